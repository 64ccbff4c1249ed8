/**
 * The domain events of src/domain_events_extra.cc on libvirt's test driver: every event id registers and
 * deregisters; metadata changes (setMetadata / getMetadata) raise metadata-change events. The events the
 * test driver never raises (job completed with its stats, and the guest-driven ones) are covered on the
 * QEMU test bed (test/integration/testbed/binding-migration.test.ts) where they can be triggered.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  foldDomainEventPaths,
  openConnection,
  subscribeDomainEvents,
  virDomainEventID as E,
  virDomainMetadataType as Meta,
  virDomainModificationImpact as Impact,
  type Connection,
  type Domain,
  type DomainEvent,
} from '../lib/index';
import { expectLibvirtError, waitFor } from './helpers';

const NAME = `events-extra-${process.pid}`;
const XML = `<domain type='test'><name>${NAME}</name><memory unit='MiB'>128</memory>
  <vcpu>1</vcpu><os><type>hvm</type></os><devices/></domain>`;
const NS = 'https://tandem.example/ns/1';

const NEW_EVENT_IDS = [
  E.VIR_DOMAIN_EVENT_ID_GRAPHICS,
  E.VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
  E.VIR_DOMAIN_EVENT_ID_TUNABLE,
  E.VIR_DOMAIN_EVENT_ID_BLOCK_JOB,
  E.VIR_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED,
  E.VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD,
  E.VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
  E.VIR_DOMAIN_EVENT_ID_PMWAKEUP,
  E.VIR_DOMAIN_EVENT_ID_PMSUSPEND,
  E.VIR_DOMAIN_EVENT_ID_PMSUSPEND_DISK,
  E.VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE,
  E.VIR_DOMAIN_EVENT_ID_TRAY_CHANGE,
  E.VIR_DOMAIN_EVENT_ID_CONTROL_ERROR,
  E.VIR_DOMAIN_EVENT_ID_IO_ERROR,
  E.VIR_DOMAIN_EVENT_ID_DISK_CHANGE,
  E.VIR_DOMAIN_EVENT_ID_MEMORY_DEVICE_SIZE_CHANGE,
];

describe('more domain events on the test driver', () => {
  let conn: Connection;
  let dom: Domain;
  beforeEach(async () => {
    conn = await openConnection('test:///default');
    dom = await conn.defineDomainXML(XML);
  });
  afterEach(async () => {
    await dom.undefine();
    await conn.close();
  });

  it('registers and deregisters every newly supported event id (every libvirt 9.0 id is now bound)', async () => {
    for (const id of NEW_EVENT_IDS) {
      const callbackId = await conn.domainEventRegister(id, dom, () => undefined);
      expect(callbackId).toBeGreaterThanOrEqual(0);
      await conn.domainEventDeregister(callbackId);
    }
    for (const id of Object.values(E)) {
      const callbackId = await conn.domainEventRegister(id, null, () => undefined);
      await conn.domainEventDeregister(callbackId);
    }
    // Argument errors stay the TypeErrors of domainEventRegister, for wrapped ids too.
    expect(() => conn.domainEventRegister(E.VIR_DOMAIN_EVENT_ID_JOB_COMPLETED, null, 'cb' as never)).toThrow(/callback must be a function/);
    expect(() => conn.domainEventRegister(E.VIR_DOMAIN_EVENT_ID_TUNABLE, {} as Domain, () => undefined)).toThrow(TypeError);
  });

  it('sets and reads metadata; each change raises a metadata-change event with its type and namespace', async () => {
    const events: DomainEvent[] = [];
    const sub = await subscribeDomainEvents(conn, E.VIR_DOMAIN_EVENT_ID_METADATA_CHANGE, (e) => events.push(e));
    try {
      await dom.setMetadata(Meta.VIR_DOMAIN_METADATA_TITLE, 'Build box');
      await dom.setMetadata(Meta.VIR_DOMAIN_METADATA_DESCRIPTION, 'runs the nightly build', null, null, Impact.VIR_DOMAIN_AFFECT_CONFIG);
      await dom.setMetadata(Meta.VIR_DOMAIN_METADATA_ELEMENT, '<owner team="infra"/>', 'tnd', NS);
      expect(await dom.getMetadata(Meta.VIR_DOMAIN_METADATA_TITLE)).toBe('Build box');
      expect(await dom.getMetadata(Meta.VIR_DOMAIN_METADATA_DESCRIPTION)).toBe('runs the nightly build');
      expect(await dom.getMetadata(Meta.VIR_DOMAIN_METADATA_ELEMENT, NS)).toBe('<owner team="infra"/>');
      expect(await dom.getXMLDesc()).toContain('<title>Build box</title>');
      await waitFor(events, (e) => e.event === 'metadata-change' && e.type === Meta.VIR_DOMAIN_METADATA_ELEMENT);
      expect(events).toEqual([
        { event: 'metadata-change', name: NAME, uuid: dom.getUUIDString(), id: -1, type: Meta.VIR_DOMAIN_METADATA_TITLE, nsuri: '' },
        { event: 'metadata-change', name: NAME, uuid: dom.getUUIDString(), id: -1, type: Meta.VIR_DOMAIN_METADATA_DESCRIPTION, nsuri: '' },
        { event: 'metadata-change', name: NAME, uuid: dom.getUUIDString(), id: -1, type: Meta.VIR_DOMAIN_METADATA_ELEMENT, nsuri: NS },
      ]);
      // null removes it.
      await dom.setMetadata(Meta.VIR_DOMAIN_METADATA_ELEMENT, null, null, NS);
      await expectLibvirtError(dom.getMetadata(Meta.VIR_DOMAIN_METADATA_ELEMENT, NS), 'VIR_ERR_NO_DOMAIN_METADATA');
      await waitFor(events, () => events.length === 4);
    } finally {
      await sub.dispose();
    }
  });

  it('folds the path fields of structured events into objects, as TypedParamsToObject shapes typed parameters', () => {
    const base = { name: 'vm', uuid: 'u', id: 3 };
    const raw = (fields: Record<string, unknown>) => ({ ...base, ...fields }) as unknown as DomainEvent;
    expect(foldDomainEventPaths(raw({ event: 'job-completed', 'stats/downtime': 12, 'stats/operation': 5, 'stats/disk.name/0': 'a', 'stats/disk.name/1': 'b' }))).toEqual({
      ...base,
      event: 'job-completed',
      stats: { downtime: 12, operation: 5, 'disk.name': ['a', 'b'] },
    });
    expect(foldDomainEventPaths(raw({ event: 'tunable', 'params/cputune.vcpupin0': '0-1' }))).toEqual({ ...base, event: 'tunable', params: { 'cputune.vcpupin0': '0-1' } });
    expect(foldDomainEventPaths(raw({ event: 'job-completed' }))).toEqual({ ...base, event: 'job-completed', stats: {} });
    expect(
      foldDomainEventPaths(raw({ event: 'graphics', phase: 0, 'local/family': 0, 'local/node': '::1', 'subject/0/type': 'x509dname', 'subject/0/name': 'CN=a', 'subject/1/type': 'saslUsername', 'subject/1/name': 'me' })),
    ).toEqual({
      ...base,
      event: 'graphics',
      phase: 0,
      local: { family: 0, node: '::1' },
      subject: [
        { type: 'x509dname', name: 'CN=a' },
        { type: 'saslUsername', name: 'me' },
      ],
    });
    const lifecycle = raw({ event: 'lifecycle', type: 1, detail: 0 });
    expect(foldDomainEventPaths(lifecycle)).toBe(lifecycle);
  });

  it('rejects bad metadata arguments with TypeErrors and libvirt refusals with LibvirtErrors', async () => {
    expect(() => dom.setMetadata('title' as unknown as number, 'x')).toThrow(/type must be a number/);
    expect(() => dom.setMetadata(Meta.VIR_DOMAIN_METADATA_TITLE, 42 as unknown as string)).toThrow(/metadata must be a string/);
    expect(() => dom.getMetadata(Meta.VIR_DOMAIN_METADATA_ELEMENT, 7 as unknown as string)).toThrow(/uri must be a string/);
    // An element needs its namespace URI and key.
    await expectLibvirtError(dom.setMetadata(Meta.VIR_DOMAIN_METADATA_ELEMENT, '<a/>'), 'VIR_ERR_INVALID_ARG');
    await expectLibvirtError(dom.setMetadata(Meta.VIR_DOMAIN_METADATA_ELEMENT, '<a', 'k', NS), 'VIR_ERR_XML_DETAIL');
  });
});
