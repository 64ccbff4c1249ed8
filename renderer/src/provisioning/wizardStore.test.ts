import { describe, expect, it } from 'vitest';
import { createContractClient } from '../../../preload/client';
import type { Placement, Proposal, VmRequest } from '../../../preload/api/provisioning';
import { createMemoryTransport, settle } from '../testing/memoryTransport';
import { deployInput } from './deploy';
import { blankRequest, createWizardStore, fieldErrorsOf, localErrors } from './wizardStore';
import { ContractCallError } from '../../../preload/client';

const template = (id: string, memoryMiB = 1024) => ({
  template: { id, name: id, description: id, purposes: ['testing' as const], request: { ...blankRequest(), hardware: { ...blankRequest().hardware, memoryMiB } } },
  source: 'shipped' as const,
  size: 'small' as const,
});

function proposal(config: VmRequest, changes: Proposal['changes'] = []): Proposal {
  return { hostId: 'demo', hostName: 'Demo host', config, osName: 'Debian 12', domainType: 'test', changes, distance: changes.length, memoryLeftBytes: 1, notes: [] };
}
const placement = (chosen: Proposal): Placement => ({ chosen, overridden: false, explanation: `${chosen.hostName}: …`, alternatives: [], refusals: [] });

function setup() {
  const memory = createMemoryTransport();
  const deploys: unknown[] = [];
  const store = createWizardStore(createContractClient(memory.transport), async (args) => {
    deploys.push(args);
    return { jobId: 'job-1' };
  });
  memory.reply('provisioning.catalog', () => ({ templates: [template('small'), template('big', 512 * 1024)], apps: [] }));
  memory.reply('provisioning.validate', () => ({ errors: [] }));
  return { memory, store, deploys };
}

describe('the wizard store', () => {
  it('uses only the latest catalog search', async () => {
    const { memory, store } = setup();
    const held = memory.hold('provisioning.catalog');
    store.getState().openWizard();
    void store.getState().setFilter({ text: 'a' });
    await settle();
    held[1]!.resolve({ templates: [template('newer')], apps: [] });
    await settle();
    held[0]!.resolve({ templates: [template('older')], apps: [] });
    await settle();
    expect(store.getState().templates.map((t) => t.template.id)).toEqual(['newer']);
    expect(held[1]!.args).toEqual({ text: 'a' });
  });

  it('keeps the wizard on compose with field errors, local ones first, then main\'s', async () => {
    const { memory, store } = setup();
    store.getState().openWizard();
    await settle();
    store.getState().chooseTemplate('small');
    store.getState().setName('bad name');
    store.getState().updateRequest((r) => ({ ...r, hardware: { ...r.hardware, vcpus: Number.NaN } }));
    await store.getState().next();
    expect(store.getState().step).toBe('compose');
    expect(Object.keys(store.getState().errors).sort()).toEqual(['hardware.vcpus', 'name']);
    expect(memory.calls.some((c) => c.method === 'provisioning.validate')).toBe(false);

    store.getState().setName('ok');
    store.getState().updateRequest((r) => ({ ...r, hardware: { ...r.hardware, vcpus: 2 } }));
    memory.reply('provisioning.validate', () => ({ errors: [{ field: 'os.osinfoId', message: 'unknown operating system "x"' }] }));
    await store.getState().next();
    expect(store.getState().step).toBe('compose');
    expect(store.getState().errors).toEqual({ 'os.osinfoId': 'unknown operating system "x"' });
  });

  it('checks on the way to review, accepts the proposal into the request, and checks again', async () => {
    const { memory, store } = setup();
    store.getState().openWizard();
    await settle();
    store.getState().chooseTemplate('big');
    store.getState().setName('big');
    const shrunk = { ...blankRequest(), hardware: { ...blankRequest().hardware, memoryMiB: 58880 } };
    const change = { field: 'hardware.memoryMiB', from: '512 GiB', to: '57.5 GiB', reason: 'the host spares 57.6 GiB', cost: 9, text: 'memory …' };
    memory.reply('provisioning.propose', ({ request }) => ({ proposals: [request.hardware.memoryMiB > 58880 ? proposal(shrunk, [change]) : proposal(request)], refusals: [] }));
    memory.reply('provisioning.place', ({ request }) => placement(request.hardware.memoryMiB > 58880 ? proposal(shrunk, [change]) : proposal(request)));
    await store.getState().goTo('review');
    expect(store.getState().step).toBe('review');
    expect(store.getState().review.placement?.chosen?.changes).toEqual([change]);

    await store.getState().acceptProposal();
    expect(store.getState().draft.request.hardware.memoryMiB).toBe(58880);
    expect(store.getState().accepted).toEqual([change]);
    expect(store.getState().review.placement?.chosen?.changes).toEqual([]);
    const places = memory.calls.filter((c) => c.method === 'provisioning.place');
    expect(places.at(-1)!.args).toMatchObject({ name: 'big', request: { hardware: { memoryMiB: 58880 } } });

    // Any edit makes the review stale.
    store.getState().updateRequest((r) => r);
    expect(store.getState().review.placement).toBeUndefined();
  });

  it('puts main\'s refusal of the name at the field and keeps Deploy off', async () => {
    const { memory, store } = setup();
    store.getState().openWizard();
    await settle();
    store.getState().chooseTemplate('small');
    store.getState().setName('web-frontend');
    memory.reply('provisioning.propose', ({ request }) => ({ proposals: [proposal(request)], refusals: [] }));
    memory.fail('provisioning.place', { name: 'Conflict', code: 'provisioning.name-taken', message: 'Demo host already has a VM named "web-frontend"', details: { field: 'name' } });
    await store.getState().goTo('review');
    expect(store.getState().errors.name).toBe('Demo host already has a VM named "web-frontend"');
    expect(store.getState().review.placement).toBeUndefined();
    await store.getState().startDeploy();
    expect(store.getState().step).toBe('review');
  });

  it('starts every opening afresh: nothing of the last one (draft, filter, errors, review, deploy) stays, the catalog does', async () => {
    const { memory, store } = setup();
    const initial = store.getState();
    store.getState().openWizard();
    await settle();
    void store.getState().setFilter({ text: 'small' });
    await settle();
    store.getState().chooseTemplate('small');
    store.getState().setName('bad name');
    store.getState().setAccount({ username: 'ada' });
    memory.reply('provisioning.propose', ({ request }) => ({ proposals: [proposal(request)], refusals: [] }));
    memory.reply('provisioning.place', ({ request }) => placement(proposal(request)));
    store.getState().setName('vm1');
    await store.getState().goTo('review');
    await store.getState().startDeploy();
    expect(store.getState().deploy.jobId).toBe('job-1');
    store.getState().close();

    store.getState().openWizard();
    const reopened = store.getState();
    expect(reopened).toMatchObject({ open: true, step: 'catalog', errors: {}, accepted: [], deploy: { starting: false }, templateSave: { saving: false } });
    expect(reopened.filter).toEqual({ text: '', purpose: '', size: '', osFamily: '' });
    expect(reopened.draft).toEqual({ name: '', request: blankRequest(), account: { username: '', sshKey: '' }, cloudInit: '' });
    expect(reopened.review).toEqual({ checking: false, proposals: [], refusals: [] });
    expect(reopened.templates.length).toBeGreaterThan(0);
    // What the store started with was not changed in place by the first opening.
    expect(initial.draft).toEqual(reopened.draft);
    expect(initial.draft.request).not.toBe(reopened.draft.request);
  });

  it('deploys the chosen configuration on the chosen host, with the account and cloud-init', async () => {
    const { memory, store, deploys } = setup();
    store.getState().openWizard();
    await settle();
    store.getState().chooseTemplate('small');
    store.getState().setName('vm1');
    store.getState().setAccount({ username: 'ada', sshKey: 'ssh-ed25519 AAAAC3Nza ada@host' });
    store.getState().setCloudInit('#cloud-config\n{"packages": ["htop"]}');
    memory.reply('provisioning.propose', ({ request }) => ({ proposals: [proposal(request)], refusals: [] }));
    memory.reply('provisioning.place', ({ request }) => placement(proposal(request)));
    await store.getState().goTo('review');
    await store.getState().startDeploy();
    expect(store.getState().deploy).toEqual({ starting: false, jobId: 'job-1' });
    expect(deploys).toEqual([
      expect.objectContaining({ hostId: 'demo', name: 'vm1', account: { username: 'ada', sshKey: 'ssh-ed25519 AAAAC3Nza ada@host' }, cloudInit: '#cloud-config\n{"packages": ["htop"]}' }),
    ]);
  });

  it('fetches the domain XML of the chosen host with the deploy input, refreshes it on a host change, uses only the latest', async () => {
    const { memory, store } = setup();
    store.getState().openWizard();
    await settle();
    store.getState().chooseTemplate('small');
    store.getState().setName('vm1');
    memory.reply('provisioning.propose', ({ request }) => ({ proposals: [proposal(request)], refusals: [] }));
    memory.reply('provisioning.place', ({ request, overrideHostId }) => placement({ ...proposal(request), hostId: overrideHostId ?? 'demo' }));
    const held = memory.hold('provisioning.previewXml');
    const toReview = store.getState().goTo('review');
    await settle();
    expect(held[0]!.args).toMatchObject({ hostId: 'demo', name: 'vm1', request: { hardware: { memoryMiB: 1024 } } });
    // The user picks another host while the first answer is on its way: only the second one is shown.
    const override = store.getState().overrideHost('other');
    await settle();
    expect(held[1]!.args).toMatchObject({ hostId: 'other', name: 'vm1' });
    held[1]!.resolve({ xml: '<domain type="kvm"><name>vm1</name>other</domain>' });
    await override;
    held[0]!.resolve({ xml: '<domain type="kvm"><name>vm1</name>demo</domain>' });
    await toReview;
    expect(store.getState().review.xml).toBe('<domain type="kvm"><name>vm1</name>other</domain>');

    // A refusal shows in place of the XML, with its field.
    memory.fail('provisioning.previewXml', { name: 'Conflict', code: 'deploy.name-taken', message: 'Other already has a VM named "vm1"', details: { field: 'name' } });
    await store.getState().check();
    expect(store.getState().review.xml).toBeUndefined();
    expect(store.getState().review.xmlError).toBe('Other already has a VM named "vm1"');
    expect(store.getState().errors.name).toBe('Other already has a VM named "vm1"');

    // An edit drops an answer still on its way.
    const later = memory.hold('provisioning.previewXml');
    const checking = store.getState().check();
    await settle();
    store.getState().setName('vm2');
    later[0]!.resolve({ xml: '<domain/>' });
    await checking;
    expect(store.getState().review.xml).toBeUndefined();
  });

  it('turns the draft into provisioning.deploy input: the account as a key-login user, cloud-init parsed', () => {
    expect(
      deployInput({
        hostId: 'demo',
        name: 'vm1',
        request: template('small').template.request,
        account: { username: 'ada', sshKey: ' ssh-ed25519 AAAAC3Nza ada@host ' },
        cloudInit: '#cloud-config\npackages:\n  - htop\n',
      }),
    ).toEqual({
      hostId: 'demo',
      name: 'vm1',
      request: template('small').template.request,
      user: { name: 'ada', sshAuthorizedKeys: ['ssh-ed25519 AAAAC3Nza ada@host'] },
      userCloudConfig: { packages: ['htop'] },
    });
    expect(deployInput({ hostId: 'demo', name: 'vm1', request: template('small').template.request })).toEqual({ hostId: 'demo', name: 'vm1', request: template('small').template.request });
  });

});

describe('saving as a template', () => {
  it('saves the draft under an id made from the name, and reloads the catalog', async () => {
    const { memory, store } = setup();
    memory.reply('provisioning.templates.save', (args) => ({
      ...(args as { id: string; name: string }),
      description: 'x',
      purposes: ['testing'],
      request: blankRequest(),
      origin: { kind: 'wizard' },
      createdAt: '2026-11-26T00:00:00.000Z',
    }));
    store.getState().openWizard();
    await settle();
    const catalogCalls = memory.calls.filter((c) => c.method === 'provisioning.catalog').length;
    await store.getState().saveAsTemplate('  My Web server! ');
    expect(memory.calls.find((c) => c.method === 'provisioning.templates.save')!.args).toMatchObject({ id: 'my-web-server', name: 'My Web server!' });
    expect(store.getState().templateSave.message).toBe('Saved as "My Web server!" (my-web-server).');
    await settle();
    expect(memory.calls.filter((c) => c.method === 'provisioning.catalog').length).toBe(catalogCalls + 1);
    await store.getState().saveAsTemplate('!!!');
    expect(store.getState().templateSave.error).toMatch(/at least one letter/);
  });
});

describe('field errors', () => {
  it('validates the account and the cloud-init locally', () => {
    const draft = { name: 'x', request: blankRequest(), account: { username: 'Root!', sshKey: 'not a key' }, cloudInit: 'packages: []' };
    expect(localErrors(draft, 'compose')).toEqual({ 'account.username': expect.any(String), 'account.sshKey': expect.stringMatching(/public key/) });
    expect(Object.keys(localErrors(draft, 'apps'))).toEqual(['cloudInit']);
  });

  it('maps main\'s details to fields', () => {
    const error = (details: Record<string, unknown>) => new ContractCallError('m', { name: 'InvalidInput', code: 'c', message: 'bad', details });
    expect(fieldErrorsOf(error({ field: 'request.hardware.memoryMiB' }))).toEqual({ 'hardware.memoryMiB': 'bad' });
    expect(fieldErrorsOf(error({ issues: [{ path: ['request', 'hardware', 'vcpus'], message: 'too small' }] }))).toEqual({ 'hardware.vcpus': 'too small' });
    expect(fieldErrorsOf(new Error('x'))).toBeUndefined();
  });

  it('installing from an ISO: the medium is checked by the schema, and what only a seed carries is refused at its field', () => {
    const draft = (os: Partial<VmRequest['os']>, more: Partial<Parameters<typeof localErrors>[0]> = {}) => ({
      name: 'inst',
      request: { ...blankRequest(), os: { osinfoId: 'debian11', source: 'install-media' as const, ...os } },
      account: { username: '', sshKey: '' },
      cloudInit: '',
      ...more,
    });
    expect(localErrors(draft({}), 'compose')).toEqual({});
    expect(localErrors(draft({ installMedia: { kind: 'volume', pool: 'isos', volume: 'x.iso' } }), 'compose')).toEqual({});
    expect(localErrors(draft({ installMedia: { kind: 'path', path: '' } }), 'compose')).toEqual({ 'os.installMedia.path': expect.stringMatching(/absolute path/) });
    expect(localErrors(draft({}, { account: { username: 'alice', sshKey: '' } }), 'compose')).toEqual({
      'account.username': 'an installer ISO does not read cloud-init: create the account in the installer (leave these empty)',
    });
    expect(localErrors(draft({}, { cloudInit: '#cloud-config\npackages: [htop]\n' }), 'apps')).toEqual({
      cloudInit: 'an installer ISO does not read cloud-init: this user-data would not be applied (leave it empty)',
    });
    // The same account with a cloud image is fine.
    expect(localErrors({ ...draft({}, { account: { username: 'alice', sshKey: '' } }), request: blankRequest() }, 'compose')).toEqual({});
  });
});
