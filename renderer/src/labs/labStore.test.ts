import { describe, expect, it } from 'vitest';
import { createContractClient } from '../../../preload/client';
import type { LabHostPlan, LabPlacement } from '../../../preload/api/labs';
import type { Job } from '../../../preload/api/jobs';
import type { NetworkSummary } from '../../../preload/api/networks';
import type { CatalogEntry, Proposal, VmRequest } from '../../../preload/api/provisioning';
import { blankRequest } from '../provisioning/wizardStore';
import { createNetworksStore } from '../stores/networksStore';
import { createMemoryTransport, settle } from '../testing/memoryTransport';
import { createLabStore, labErrors, labNetworkOf, stepOfField, type LabDraft } from './labStore';

const template = (id: string): CatalogEntry => ({
  template: { id, name: id, description: id, purposes: ['testing'], request: blankRequest() },
  source: 'shipped',
  size: 'small',
});
const TEMPLATES = [template('small'), template('other')];

const proposal = (config: VmRequest): Proposal => ({ hostId: 'demo', hostName: 'Demo host', config, osName: 'Debian 12', domainType: 'test', changes: [], distance: 0, memoryLeftBytes: 1, notes: [] });
const plan = (vms: Array<{ name: string; request: VmRequest }>): LabHostPlan => ({
  hostId: 'demo',
  hostName: 'Demo host',
  vms: vms.map((vm) => ({ name: vm.name, proposal: proposal(vm.request) })),
  distance: 0,
  memoryLeftBytes: 1,
});
const placementOf = (vms: Array<{ name: string; request: VmRequest }>): LabPlacement => ({ chosen: plan(vms), overridden: false, explanation: 'Demo host: …', alternatives: [], refusals: [] });
const labNet = { hostId: 'demo', name: 'lab-net', uuid: 'u', mode: 'isolated', bridge: 'virbr1', forwardDevice: null, subnets: ['10.77.0.0/24'], dhcpRange: null, active: true, persistent: true, autostart: true, vms: [] } satisfies NetworkSummary;

function setup() {
  const memory = createMemoryTransport();
  const client = createContractClient(memory.transport);
  const networks = createNetworksStore(client);
  const store = createLabStore(client, networks);
  memory.reply('provisioning.catalog', () => ({ templates: TEMPLATES, apps: [] }));
  memory.reply('provisioning.placeLab', ({ vms }) => placementOf(vms));
  memory.reply('networks.list', () => [labNet]);
  return { memory, store };
}

/** A lab filled as far as the review, with two VMs of "small". */
async function filled(s: ReturnType<typeof setup>) {
  s.store.getState().openLab();
  await settle();
  s.store.getState().setLab({ name: 'web', subnet: '10.90.0.0/24' });
  s.store.getState().addVms('small', 2);
}

describe('the lab store', () => {
  it('checks each step locally before going on', () => {
    const draft: LabDraft = {
      name: 'bad name',
      subnet: '10.90.0.1/24',
      mode: 'isolated',
      forwardDevice: '',
      vms: [
        { name: 'a', templateId: 'small' },
        { name: 'a', templateId: 'gone' },
        { name: '123', templateId: 'small' },
      ],
      gateway: { enabled: true, vm: 'z', uplink: '' },
      account: { username: '', sshKey: 'ssh-ed25519 AAAA' },
    };
    expect(Object.keys(labErrors(draft, 'lab', TEMPLATES)).sort()).toEqual(['name', 'subnet']);
    expect(labErrors(draft, 'vms', TEMPLATES)).toEqual({
      'vms.1.name': 'two VMs are named "a"',
      'vms.1.templateId': 'choose a template',
      'vms.2.name': 'a name of only digits reads as a domain id in virsh',
      'gateway.vm': 'choose which VM is the gateway',
      'gateway.uplink': 'the network the gateway reaches out by, e.g. default',
      'account.username': 'the SSH key needs a user to go to',
    });
    expect(labErrors({ ...draft, vms: [] }, 'vms', TEMPLATES).vms).toBe('add at least one VM');
    expect(['name', 'subnet', 'vms.2.name', 'gateway.vm', 'account.sshKey', 'hostId'].map(stepOfField)).toEqual(['lab', 'lab', 'vms', 'vms', 'vms', 'review']);
  });

  it('names added VMs after the lab, skipping names taken, up to 16', async () => {
    const s = setup();
    await filled(s);
    s.store.getState().updateVm(0, { name: 'web-9' });
    s.store.getState().addVms('other', 20);
    const names = s.store.getState().draft.vms.map((vm) => vm.name);
    expect(names.slice(0, 4)).toEqual(['web-9', 'web-2', 'web-1', 'web-3']);
    expect(names).toHaveLength(16);
    expect(new Set(names).size).toBe(16);
  });

  it('stops at the first step with errors; the review places every VM on no network of its own, with the uplink', async () => {
    const s = setup();
    s.store.getState().openLab();
    await settle();
    await s.store.getState().goTo('review');
    expect(s.store.getState().step).toBe('lab');
    expect(Object.keys(s.store.getState().errors).sort()).toEqual(['name', 'subnet']);
    s.store.getState().setLab({ name: 'web', subnet: '10.90.0.0/24' });
    await s.store.getState().goTo('review');
    expect(s.store.getState().step).toBe('vms');
    expect(s.store.getState().errors).toEqual({ vms: 'add at least one VM' });
    s.store.getState().addVms('small', 2);
    s.store.getState().setGateway({ enabled: true, vm: 'web-1' });
    await s.store.getState().goTo('review');
    await settle();
    expect(s.store.getState().step).toBe('review');
    const call = s.memory.calls.find((c) => c.method === 'provisioning.placeLab')!.args as { vms: Array<{ name: string; request: VmRequest }>; uplink?: string };
    expect(call.vms.map((vm) => [vm.name, vm.request.hardware.nics])).toEqual([
      ['web-1', []],
      ['web-2', []],
    ]);
    expect(call.uplink).toBe('default');
    expect(s.store.getState().review.placement?.chosen?.hostId).toBe('demo');
    expect(s.store.getState().errors).toEqual({});
  });

  it("refuses, at the review, a subnet the chosen host's networks overlap", async () => {
    const s = setup();
    await filled(s);
    s.store.getState().setLab({ subnet: '10.77.0.0/16' });
    await s.store.getState().goTo('review');
    await settle();
    expect(s.store.getState().errors).toEqual({ subnet: 'The subnet 10.77.0.0/16 overlaps 10.77.0.0/24 of the network "lab-net"' });
    await s.store.getState().startDeploy();
    expect(s.memory.calls.some((c) => c.method === 'provisioning.deployLab')).toBe(false);
  });

  it('uses only the latest check', async () => {
    const s = setup();
    await filled(s);
    const held = s.memory.hold('provisioning.placeLab');
    void s.store.getState().goTo('review');
    await settle();
    void s.store.getState().overrideHost('demo');
    await settle();
    held[1]!.resolve({ ...placementOf(held[1]!.args.vms), overridden: true, explanation: 'newer' });
    await settle();
    held[0]!.resolve({ ...placementOf(held[0]!.args.vms), explanation: 'older' });
    await settle();
    expect(s.store.getState().review.placement?.explanation).toBe('newer');
    expect(held[1]!.args.overrideHostId).toBe('demo');
  });

  it("deploys the host's plan with the account; a refusal lands at its field", async () => {
    const s = setup();
    await filled(s);
    s.store.getState().setAccount({ username: 'ops', sshKey: 'ssh-ed25519 AAAAC3Nza ops@x' });
    await s.store.getState().goTo('review');
    await settle();
    s.memory.fail('provisioning.deployLab', { name: 'Conflict', code: 'provisioning.name-taken', message: 'Demo host already has a VM named "web-2"', details: { field: 'vms.1.name' } });
    await s.store.getState().startDeploy();
    const input = s.memory.calls.find((c) => c.method === 'provisioning.deployLab')!.args;
    expect(input).toMatchObject({ hostId: 'demo', name: 'web', subnet: '10.90.0.0/24', mode: 'isolated' });
    expect((input as { vms: unknown[] }).vms).toEqual([
      { name: 'web-1', request: expect.objectContaining({ os: blankRequest().os }), user: { name: 'ops', sshAuthorizedKeys: ['ssh-ed25519 AAAAC3Nza ops@x'] } },
      { name: 'web-2', request: expect.objectContaining({ os: blankRequest().os }), user: { name: 'ops', sshAuthorizedKeys: ['ssh-ed25519 AAAAC3Nza ops@x'] } },
    ]);
    expect(s.store.getState().deploy).toEqual({ starting: false, error: 'Demo host already has a VM named "web-2"' });
    expect(s.store.getState().errors).toEqual({ 'vms.1.name': 'Demo host already has a VM named "web-2"' });
  });

  it('a routed lab: its forward device judged by the network rules, sent only for NAT and routed, refused by main at its field on the first step', async () => {
    const draft: LabDraft = { name: 'web', subnet: '10.90.0.0/24', mode: 'routed', forwardDevice: 'eth0:1', vms: [], gateway: { enabled: false, vm: '', uplink: '' }, account: { username: '', sshKey: '' } };
    expect(labErrors(draft, 'lab', TEMPLATES)).toEqual({ forwardDevice: expect.stringMatching(/^The forward device is invalid: an interface name of the host/) });
    // Isolated forwards nowhere: the device typed before switching is neither judged nor sent.
    expect(labErrors({ ...draft, mode: 'isolated' }, 'lab', TEMPLATES)).toEqual({});
    expect(labNetworkOf({ ...draft, mode: 'isolated' })).toEqual({ name: 'web', mode: 'isolated', subnet: '10.90.0.0/24' });
    expect(stepOfField('forwardDevice')).toBe('lab');

    const s = setup();
    await filled(s);
    s.store.getState().setLab({ mode: 'routed', forwardDevice: ' eth1 ' });
    await s.store.getState().goTo('review');
    await settle();
    s.memory.fail('provisioning.deployLab', { name: 'InvalidInput', code: 'network.invalid', message: 'The forward device is invalid', details: { field: 'forwardDevice' } });
    await s.store.getState().startDeploy();
    const input = s.memory.calls.find((c) => c.method === 'provisioning.deployLab')!.args;
    expect(input).toMatchObject({ name: 'web', subnet: '10.90.0.0/24', mode: 'routed', forwardDevice: 'eth1' });
    expect(s.store.getState().errors).toEqual({ forwardDevice: 'The forward device is invalid' });
  });

  it("keeps the job's last working step, even from events that came before the job's id", async () => {
    const s = setup();
    await filled(s);
    await s.store.getState().goTo('review');
    await settle();
    const job = (phase: string, fraction: number | undefined, state: Job['state'] = 'running'): Job => ({
      id: 'job-7',
      kind: 'deploy-lab',
      title: 'Deploy lab web',
      targets: [],
      state,
      progress: { phase, ...(fraction === undefined ? {} : { fraction }), figures: {} },
      createdAt: 1,
    });
    s.memory.reply('provisioning.deployLab', () => {
      s.memory.emit('jobs.changed', job('VM 1 of 2 (web-1): writing the cloud-init seed', 0.2));
      s.memory.emit('jobs.changed', job('removing what was created', undefined));
      return { jobId: 'job-7' };
    });
    await s.store.getState().startDeploy();
    expect(s.store.getState().deploy).toEqual({ starting: false, jobId: 'job-7', lastStep: 'VM 1 of 2 (web-1): writing the cloud-init seed' });
    s.memory.emit('jobs.changed', job('failed', undefined, 'failed'));
    expect(s.store.getState().deploy.lastStep).toBe('VM 1 of 2 (web-1): writing the cloud-init seed');
    s.store.dispose();
  });
});
