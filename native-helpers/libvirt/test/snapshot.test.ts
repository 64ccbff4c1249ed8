/**
 * Domain snapshots on libvirt's test driver (internal snapshots, in process): create, list, look up,
 * parents and children, current snapshot, revert, redefine, delete, their errors and argument checks.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LibvirtError,
  loadBinding,
  openConnection,
  virDomainSnapshotCreateFlags,
  virDomainSnapshotDeleteFlags,
  virDomainSnapshotListFlags,
  virDomainSnapshotRevertFlags,
  virDomainState,
  type Connection,
  type Domain,
  type DomainSnapshot,
} from '../lib/index';
import { expectLibvirtError } from './helpers';

const PREFIX = `sn-${process.pid}`;
let seq = 0;

function domainXml(name: string): string {
  return `<domain type='test'><name>${name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
    <os><type>hvm</type></os><devices/></domain>`;
}

const snapshotXml = (name: string, description = '') =>
  `<domainsnapshot><name>${name}</name><description>${description}</description></domainsnapshot>`;

const names = (snaps: DomainSnapshot[]) => snaps.map((s) => s.getName()).sort();

describe('domain snapshots on the test driver', () => {
  let conn: Connection;
  let dom: Domain;

  beforeEach(async () => {
    conn = await openConnection('test:///default');
    dom = await conn.defineDomainXML(domainXml(`${PREFIX}-vm${++seq}`));
    await dom.create();
  });

  afterEach(async () => {
    for (const snap of await dom.listAllSnapshots().catch(() => [])) await snap.delete().catch(() => undefined);
    await dom.destroy().catch(() => undefined);
    await dom.undefine().catch(() => undefined);
    await conn.close();
  });

  it('creates snapshots that form a tree: parent, children, roots, current', async () => {
    const s1 = await dom.snapshotCreateXML(snapshotXml('s1', 'first'));
    const s2 = await dom.snapshotCreateXML(snapshotXml('s2'));
    expect(s1.getName()).toBe('s1');
    expect(s2.getName()).toBe('s2');

    expect(names(await dom.listAllSnapshots())).toEqual(['s1', 's2']);
    expect(names(await dom.listAllSnapshots(virDomainSnapshotListFlags.VIR_DOMAIN_SNAPSHOT_LIST_ROOTS))).toEqual(['s1']);
    expect(names(await s1.listAllChildren())).toEqual(['s2']);
    expect(await s2.listAllChildren()).toEqual([]);
    expect((await s2.getParent()).getName()).toBe('s1');
    await expectLibvirtError(s1.getParent(), 'VIR_ERR_NO_DOMAIN_SNAPSHOT');

    expect(await dom.hasCurrentSnapshot()).toBe(true);
    expect((await dom.snapshotCurrent()).getName()).toBe('s2');
    expect(await s2.isCurrent()).toBe(true);
    expect(await s1.isCurrent()).toBe(false);
    expect(await s1.hasMetadata()).toBe(true);

    const xml = await s1.getXMLDesc();
    expect(xml).toContain('<name>s1</name>');
    expect(xml).toContain('<description>first</description>');
    expect((await dom.snapshotLookupByName('s1')).getName()).toBe('s1');
  });

  it('has no current snapshot before the first one', async () => {
    expect(await dom.hasCurrentSnapshot()).toBe(false);
    expect(await dom.listAllSnapshots()).toEqual([]);
    await expectLibvirtError(dom.snapshotCurrent(), 'VIR_ERR_NO_DOMAIN_SNAPSHOT');
    await expectLibvirtError(dom.snapshotLookupByName('nope'), 'VIR_ERR_NO_DOMAIN_SNAPSHOT');
  });

  it('reverts the domain to the state the snapshot recorded', async () => {
    const running = await dom.snapshotCreateXML(snapshotXml('running'));
    await dom.destroy();
    expect((await dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_SHUTOFF);

    await dom.revertToSnapshot(running);
    expect((await dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);

    await dom.revertToSnapshot(running, virDomainSnapshotRevertFlags.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED);
    expect((await dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_PAUSED);
  });

  it('deletes children only, redefines a deleted snapshot from its XML, and deletes a subtree', async () => {
    const s1 = await dom.snapshotCreateXML(snapshotXml('s1'));
    await dom.snapshotCreateXML(snapshotXml('s2'));
    const xml = await s1.getXMLDesc();

    await s1.delete(virDomainSnapshotDeleteFlags.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY);
    expect(names(await dom.listAllSnapshots())).toEqual(['s1']);

    await s1.delete();
    expect(await dom.listAllSnapshots()).toEqual([]);

    const { VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE, VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT } = virDomainSnapshotCreateFlags;
    const redefined = await dom.snapshotCreateXML(xml, VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE | VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT);
    expect(redefined.getName()).toBe('s1');
    expect(await redefined.isCurrent()).toBe(true);
    const s3 = await dom.snapshotCreateXML(snapshotXml('s3'));
    expect((await s3.getParent()).getName()).toBe('s1');

    await redefined.delete(virDomainSnapshotDeleteFlags.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN);
    expect(await dom.listAllSnapshots()).toEqual([]);
    await expectLibvirtError(dom.snapshotLookupByName('s3'), 'VIR_ERR_NO_DOMAIN_SNAPSHOT');
  });

  it('rejects a snapshot whose name exists with a LibvirtError and keeps the domain running', async () => {
    await dom.snapshotCreateXML(snapshotXml('dup'));
    const error = await dom.snapshotCreateXML(snapshotXml('dup')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LibvirtError);
    expect((error as LibvirtError).codeName).toBe('VIR_ERR_OPERATION_FAILED');
    expect((error as LibvirtError).function).toBe('virDomainSnapshotCreateXML');
    expect((error as LibvirtError).message).toContain('dup');
    expect((await dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
    expect(names(await dom.listAllSnapshots())).toEqual(['dup']);
  });

  it('rejects malformed snapshot XML with VIR_ERR_XML_DETAIL', async () => {
    await expectLibvirtError(dom.snapshotCreateXML('<domainsnapshot>'), 'VIR_ERR_XML_DETAIL');
  });

  it('checks arguments before any work (TypeError)', async () => {
    const snap = await dom.snapshotCreateXML(snapshotXml('args'));
    const other = await conn.defineDomainXML(domainXml(`${PREFIX}-other${seq}`));
    try {
      const anyDom = dom as unknown as Record<string, (...args: unknown[]) => unknown>;
      expect(() => anyDom.snapshotCreateXML!.call(dom, 42)).toThrow(TypeError);
      expect(() => anyDom.snapshotCreateXML!.call(dom, '<x/>', -1)).toThrow(TypeError);
      expect(() => anyDom.snapshotLookupByName!.call(dom)).toThrow(TypeError);
      expect(() => anyDom.listAllSnapshots!.call(dom, 'all')).toThrow(TypeError);
      expect(() => anyDom.revertToSnapshot!.call(dom, {})).toThrow(/must be a DomainSnapshot/);
      expect(() => anyDom.revertToSnapshot!.call(dom, snap, 1.5)).toThrow(TypeError);
      // Reverting applies to the snapshot's own domain: refusing another domain's snapshot protects it.
      expect(() => other.revertToSnapshot(snap)).toThrow(/snapshot of this domain/);
      expect(() => anyDom.snapshotCurrent!.call({})).toThrow(/must be a Domain/);
      const Snapshot = (loadBinding() as unknown as Record<string, new (...args: unknown[]) => unknown>).DomainSnapshot!;
      expect(() => new Snapshot()).toThrow(/come from a Domain/);
    } finally {
      await other.undefine();
    }
  });

  it('free() drops the reference: later calls reject with VIR_ERR_INVALID_DOMAIN_SNAPSHOT', async () => {
    const snap = await dom.snapshotCreateXML(snapshotXml('freed'));
    snap.free();
    snap.free(); // idempotent
    expect(() => snap.getName()).toThrow(LibvirtError);
    expect(() => dom.revertToSnapshot(snap)).toThrow(LibvirtError);
    // The snapshot itself is untouched: only our reference went away.
    expect((await dom.snapshotLookupByName('freed')).getName()).toBe('freed');
  });
});
