/**
 * Domain checkpoints on libvirt's test driver (in process): create, list, look up, parents and children,
 * XML, delete, their errors and argument checks. Backups from checkpoints need QEMU: see
 * test/integration/testbed/binding-backup.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LibvirtError,
  loadBinding,
  openConnection,
  virDomainCheckpointDeleteFlags,
  virDomainCheckpointListFlags,
  virDomainCheckpointXMLFlags,
  virDomainState,
  type Connection,
  type Domain,
  type DomainCheckpoint,
} from '../lib/index';
import { expectLibvirtError } from './helpers';

const PREFIX = `sn-${process.pid}`;
let seq = 0;

// Checkpoints record one bitmap per disk, so the domain needs a disk.
function domainXml(name: string): string {
  return `<domain type='test'><name>${name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
    <os><type>hvm</type></os><devices><disk type='file' device='disk'>
      <source file='/guest/${name}.img'/><target dev='vda' bus='virtio'/></disk></devices></domain>`;
}

const checkpointXml = (name: string) => `<domaincheckpoint><name>${name}</name></domaincheckpoint>`;

const names = (cps: DomainCheckpoint[]) => cps.map((c) => c.getName()).sort();

describe('domain checkpoints on the test driver', () => {
  let conn: Connection;
  let dom: Domain;

  beforeEach(async () => {
    conn = await openConnection('test:///default');
    dom = await conn.defineDomainXML(domainXml(`${PREFIX}-cp${++seq}`));
    await dom.create();
  });

  afterEach(async () => {
    for (const cp of await dom.listAllCheckpoints(virDomainCheckpointListFlags.VIR_DOMAIN_CHECKPOINT_LIST_ROOTS).catch(() => [])) {
      await cp.delete(virDomainCheckpointDeleteFlags.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN).catch(() => undefined);
    }
    await dom.destroy().catch(() => undefined);
    await dom.undefine().catch(() => undefined);
    await conn.close();
  });

  it('creates a chain of checkpoints: parent, children, roots, lookup, XML', async () => {
    const c1 = await dom.checkpointCreateXML(checkpointXml('c1'));
    const c2 = await dom.checkpointCreateXML(checkpointXml('c2'));
    expect(c1.getName()).toBe('c1');

    expect(names(await dom.listAllCheckpoints())).toEqual(['c1', 'c2']);
    expect(names(await dom.listAllCheckpoints(virDomainCheckpointListFlags.VIR_DOMAIN_CHECKPOINT_LIST_ROOTS))).toEqual(['c1']);
    expect(names(await c1.listAllChildren())).toEqual(['c2']);
    expect(await c2.listAllChildren()).toEqual([]);
    expect((await c2.getParent()).getName()).toBe('c1');
    await expectLibvirtError(c1.getParent(), 'VIR_ERR_NO_DOMAIN_CHECKPOINT');
    expect((await dom.checkpointLookupByName('c2')).getName()).toBe('c2');

    const xml = await c1.getXMLDesc();
    expect(xml).toContain('<name>c1</name>');
    expect(xml).toMatch(/<disk name='vda' checkpoint='bitmap'/);
    expect(xml).toContain('<domain type=');
    expect(await c1.getXMLDesc(virDomainCheckpointXMLFlags.VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN)).not.toContain('<domain type=');
  });

  it('deletes a checkpoint, then a subtree with its children', async () => {
    const c1 = await dom.checkpointCreateXML(checkpointXml('c1'));
    const c2 = await dom.checkpointCreateXML(checkpointXml('c2'));
    await dom.checkpointCreateXML(checkpointXml('c3'));
    await c2.delete(); // c3 moves up to c1
    expect(names(await c1.listAllChildren())).toEqual(['c3']);
    await expectLibvirtError(dom.checkpointLookupByName('c2'), 'VIR_ERR_NO_DOMAIN_CHECKPOINT');

    await c1.delete(virDomainCheckpointDeleteFlags.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN);
    expect(await dom.listAllCheckpoints()).toEqual([]);
  });

  it('rejects a checkpoint whose name exists with a LibvirtError and keeps the domain running', async () => {
    await dom.checkpointCreateXML(checkpointXml('dup'));
    const error = await expectLibvirtError(dom.checkpointCreateXML(checkpointXml('dup')), 'VIR_ERR_OPERATION_FAILED');
    expect(error.function).toBe('virDomainCheckpointCreateXML');
    expect((await dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
    expect(names(await dom.listAllCheckpoints())).toEqual(['dup']);
  });

  it('rejects a lookup of a missing checkpoint and malformed XML', async () => {
    await expectLibvirtError(dom.checkpointLookupByName('nope'), 'VIR_ERR_NO_DOMAIN_CHECKPOINT');
    await expectLibvirtError(dom.checkpointCreateXML('<domaincheckpoint>'), 'VIR_ERR_XML_DETAIL');
  });

  it('checks arguments before any work (TypeError)', () => {
    const anyDom = dom as unknown as Record<string, (...args: unknown[]) => unknown>;
    expect(() => anyDom.checkpointCreateXML!.call(dom, null)).toThrow(TypeError);
    expect(() => anyDom.checkpointCreateXML!.call(dom, '<x/>', 'quiesce')).toThrow(TypeError);
    expect(() => anyDom.checkpointLookupByName!.call(dom, 7)).toThrow(TypeError);
    expect(() => anyDom.listAllCheckpoints!.call(dom, -2)).toThrow(TypeError);
    expect(() => anyDom.listAllCheckpoints!.call({})).toThrow(/must be a Domain/);
    const Checkpoint = (loadBinding() as unknown as Record<string, new (...args: unknown[]) => unknown>).DomainCheckpoint!;
    expect(() => new Checkpoint()).toThrow(/come from a Domain/);
  });

  it('free() drops the reference: later calls reject with VIR_ERR_INVALID_DOMAIN_CHECKPOINT', async () => {
    const cp = await dom.checkpointCreateXML(checkpointXml('freed'));
    cp.free();
    cp.free();
    let error: unknown;
    try {
      cp.getName();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LibvirtError);
    expect((error as LibvirtError).codeName).toBe('VIR_ERR_INVALID_DOMAIN_CHECKPOINT');
    expect((await dom.checkpointLookupByName('freed')).getName()).toBe('freed');
  });
});
