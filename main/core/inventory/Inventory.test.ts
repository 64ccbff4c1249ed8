/** The inventory's ordering guarantees, with a scripted host: no older read wins over a newer one. */
import { describe, expect, it } from 'vitest';
import type { VmSummary } from '../../../preload/contract';
import { HostManager } from '../hosts/HostManager';
import { deferred, flush, ManualClock, ScriptedDriver, ScriptedSession, vmRecord } from '../testing/scripted';
import type { VmRecord } from '../hosts/HostDriver';
import { Inventory } from './Inventory';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

async function setup() {
  const driver = new ScriptedDriver();
  const session = new ScriptedSession();
  const listing = deferred<VmRecord[]>();
  session.listing = listing.promise;
  driver.outcomes.push(session);
  const hosts = new HostManager({ drivers: [driver], clock: new ManualClock() });
  const inventory = new Inventory(hosts);
  const removed: string[] = [];
  const changed: VmSummary[] = [];
  inventory.vmRemoved.on((r) => removed.push(r.uuid));
  inventory.vmChanged.on((vm) => changed.push(vm));
  const { id } = hosts.register({ uri: 'qemu+tcp://10.0.0.1/system', kind: 'libvirt', persisted: false });
  await flush();
  return { hostId: id, session, listing, inventory, removed, changed };
}

describe('Inventory', () => {
  it('lists a host when it connects, then follows its events', async () => {
    const { hostId, session, listing, inventory } = await setup();
    listing.resolve([vmRecord(A, 'a')]);
    await inventory.ready();
    expect(inventory.list(hostId).map((v) => v.name)).toEqual(['a']);
    session.vms.set(A, vmRecord(A, 'a', 'paused'));
    session.changes.emit({ uuid: A, removed: false });
    await flush();
    expect(inventory.list(hostId)[0]?.state).toBe('paused');
  });

  it("never lists the KVM probe's domains, from the listing or from their events", async () => {
    const { hostId, session, listing, inventory, changed } = await setup();
    listing.resolve([vmRecord(A, 'a'), vmRecord(B, 'tandem-kvm-probe-1f2e3d')]);
    await inventory.ready();
    session.vms.set(B, vmRecord(B, 'tandem-kvm-probe-4c5b6a', 'paused'));
    session.changes.emit({ uuid: B, removed: false });
    await flush();
    expect(inventory.list(hostId).map((v) => v.name)).toEqual(['a']);
    expect(changed.map((v) => v.name)).toEqual(['a']);
  });

  it('keeps a VM defined while the first listing was running, though the listing lacks it', async () => {
    const { hostId, session, listing, inventory, removed } = await setup();
    session.vms.set(B, vmRecord(B, 'b')); // defined on the host after the listing was taken
    session.changes.emit({ uuid: B, removed: false });
    await flush();
    listing.resolve([vmRecord(A, 'a')]);
    await inventory.ready();
    expect(inventory.list(hostId).map((v) => v.name).sort()).toEqual(['a', 'b']);
    expect(removed).toEqual([]);
  });

  it("announces each first listing in full (the KVM probe's domains left out), including VMs that changed while it ran", async () => {
    const { hostId, session, listing, inventory } = await setup();
    const listed: { hostId: string; uuids: string[] }[] = [];
    inventory.hostListed.on((l) => listed.push({ hostId: l.hostId, uuids: [...l.uuids].sort() }));
    session.vms.set(B, vmRecord(B, 'b'));
    session.changes.emit({ uuid: B, removed: false });
    await flush();
    listing.resolve([vmRecord(A, 'a'), vmRecord('00000000-0000-4000-8000-00000000000c', 'tandem-kvm-probe-1f2e3d')]);
    await inventory.ready();
    expect(listed).toEqual([{ hostId, uuids: [A, B] }]);
  });

  it('does not let the older listing overwrite a newer state of a VM that changed meanwhile', async () => {
    const { hostId, session, listing, inventory } = await setup();
    session.vms.set(A, vmRecord(A, 'a', 'shutoff')); // stopped after the listing saw it running
    session.changes.emit({ uuid: A, removed: false });
    await flush();
    listing.resolve([vmRecord(A, 'a', 'running')]);
    await inventory.ready();
    expect(inventory.list(hostId)[0]?.state).toBe('shutoff');
  });
});
