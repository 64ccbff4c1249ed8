/**
 * VM networks and lab placement through the contract on the demo host (libvirt's test driver, in process):
 * `networks.changed` follows libvirt's network lifecycle events (create, stop, start, delete) and an
 * autostart change; a DHCP range and a forward device reach the definition; field refusals create nothing;
 * `provisioning.placeLab` puts a lab on the host, refuses a taken VM name at its field and an uplink the
 * host lacks. Networks that really carry guests are tested on the test bed (testbed/networks.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetworksChanged } from '../../preload/api/networks';
import { callError, startInProcessTandem, type InProcessTandem } from '../support/inProcessTandem';

describe('networks on the demo host, through the contract', () => {
  let t: InProcessTandem;
  const names = async () => (await t.client.call('networks.list', { hostId: 'demo' })).map((n) => n.name);
  /** The next networks.changed of the demo host whose list satisfies `predicate`. */
  const changed = (predicate: (c: NetworksChanged) => boolean) => t.nextEvent('networks.changed', (c) => c.hostId === 'demo' && predicate(c));
  const find = (c: NetworksChanged, name: string) => c.networks.find((n) => n.name === name);

  beforeAll(async () => {
    t = await startInProcessTandem();
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('creates a routed network with its DHCP range and forward device, and the change is pushed', async () => {
    const pushed = changed((c) => !!find(c, 'office'));
    const created = await t.client.call('networks.create', {
      hostId: 'demo',
      name: 'office',
      mode: 'routed',
      subnet: '10.88.0.0/24',
      dhcpRange: { start: '10.88.0.100', end: '10.88.0.149' },
      forwardDevice: 'eth1',
    });
    expect(created).toMatchObject({ mode: 'routed', forwardDevice: 'eth1', subnets: ['10.88.0.0/24'], dhcpRange: { start: '10.88.0.100', end: '10.88.0.149' }, active: true, autostart: true, vms: [] });
    const event = await pushed;
    expect(find(event, 'office')).toEqual(created);
    expect(event.networks.map((n) => n.name)).toEqual(['default', 'lab-net', 'office']);
  });

  it('stops, starts and sets autostart, each pushed', async () => {
    const stopped = changed((c) => find(c, 'office')?.active === false);
    expect(await t.client.call('networks.stop', { hostId: 'demo', name: 'office' })).toMatchObject({ active: false });
    await stopped;
    expect(await callError(t.client.call('networks.stop', { hostId: 'demo', name: 'office' }))).toMatchObject({ errorName: 'Conflict', code: 'network.inactive' });
    const started = changed((c) => find(c, 'office')?.active === true);
    await t.client.call('networks.start', { hostId: 'demo', name: 'office' });
    await started;
    // libvirt sends no event for autostart: Tandem pushes the list itself.
    const manual = changed((c) => find(c, 'office')?.autostart === false);
    expect(await t.client.call('networks.setAutostart', { hostId: 'demo', name: 'office', autostart: false })).toMatchObject({ autostart: false });
    await manual;
  });

  it('refuses an overlapping subnet and a bad range at their fields, creating nothing', async () => {
    const before = await names();
    const overlap = await callError(t.client.call('networks.create', { hostId: 'demo', name: 'other', mode: 'nat', subnet: '10.88.0.0/16' }));
    expect(overlap).toMatchObject({ errorName: 'Conflict', code: 'network.subnet-overlap', details: { field: 'subnet', network: 'office' } });
    expect(overlap.message).toBe('The subnet 10.88.0.0/16 overlaps 10.88.0.0/24 of the network "office"');
    const range = await callError(t.client.call('networks.create', { hostId: 'demo', name: 'other', mode: 'nat', subnet: '10.89.0.0/24', dhcpRange: { start: '10.89.0.1', end: '10.89.0.9' } }));
    expect(range).toMatchObject({ errorName: 'InvalidInput', code: 'network.dhcp-range-invalid', details: { field: 'dhcpRange.start' } });
    expect(await names()).toEqual(before);
  });

  it('refuses to delete a network VMs use, naming them; deletes one nobody uses, pushed', async () => {
    const inUse = await callError(t.client.call('networks.delete', { hostId: 'demo', name: 'lab-net' }));
    expect(inUse).toMatchObject({ errorName: 'Conflict', code: 'network.in-use', details: { vms: ['db-primary', 'db-replica', 'router-lab', 'web-frontend'] } });
    const gone = changed((c) => !find(c, 'office'));
    expect(await t.client.call('networks.delete', { hostId: 'demo', name: 'office' })).toBeNull();
    await gone;
    expect(await names()).toEqual(['default', 'lab-net']);
  });

  it('places a lab on the demo host, and refuses a taken VM name and a missing uplink', async () => {
    const { templates } = await t.client.call('provisioning.catalog', { text: 'debian minimal' });
    const request = { ...templates[0]!.template.request, hardware: { ...templates[0]!.template.request.hardware, nics: [] } };
    const placement = await t.client.call('provisioning.placeLab', { vms: [{ name: 'lab-a', request }, { name: 'lab-b', request }], uplink: 'default' });
    expect(placement.chosen?.hostId).toBe('demo');
    expect(placement.chosen?.vms.map((v) => v.name)).toEqual(['lab-a', 'lab-b']);
    expect(placement.explanation).toMatch(/^Demo host: takes the 2 VMs exactly as asked, .* of memory left after them\.$/);
    const taken = await callError(t.client.call('provisioning.placeLab', { vms: [{ name: 'lab-a', request }, { name: 'web-frontend', request }] }));
    expect(taken).toMatchObject({ errorName: 'Conflict', details: { field: 'vms.1.name' } });
    const noUplink = await t.client.call('provisioning.placeLab', { vms: [{ name: 'lab-a', request }], uplink: 'nowhere' });
    expect(noUplink.chosen).toBeUndefined();
    expect(noUplink.explanation).toBe('No connected host can run this lab. Demo host: has no active network "nowhere" for the gateway\'s uplink.');
  });
});
