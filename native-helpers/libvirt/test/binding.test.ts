/**
 * The binding against libvirt's test driver (in-process, no daemon): every call of the first slice, its
 * errors, its events and its memory ownership. Calls the test driver lacks are covered on the QEMU test bed.
 */
import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LibvirtError,
  formatVersion,
  openConnection,
  subscribeDomainEvents,
  virConnectListAllDomainsFlags,
  virDomainEventID,
  virDomainEventType,
  virDomainState,
  virDomainXMLFlags,
  type Connection,
  type DomainEvent,
} from '../lib/index';
import { expectLibvirtError, waitFor } from './helpers';

const TEST_XML = `<domain type='test'><name>binding-vm</name><memory unit='MiB'>64</memory><vcpu>2</vcpu>
  <os><type>hvm</type></os><devices/></domain>`;

describe('libvirt binding on the test driver', () => {
  let conn: Connection;
  beforeEach(async () => {
    conn = await openConnection('test:///default');
  });
  afterEach(async () => {
    await conn.close();
  });

  it('reads host facts', async () => {
    expect(await conn.getType()).toBe('TEST');
    expect(await conn.getHostname()).toBe(execFileSync('hostname', { encoding: 'utf8' }).trim());
    expect(formatVersion(await conn.getLibVersion())).toMatch(/^\d+\.\d+\.\d+$/);
    const node = await conn.getNodeInfo();
    expect(node.cpus).toBe(16);
    expect(node.memoryKiB).toBeGreaterThan(0);
    expect(await conn.getCapabilities()).toContain('<capabilities>');
    expect(await conn.getURI()).toBe('test:///default');
    expect(conn.isAlive()).toBe(true);
  });

  it('lists, looks up and reads domains', async () => {
    const all = await conn.listAllDomains();
    expect(all.map((d) => d.getName())).toEqual(['test']);
    const [test] = all;
    const byName = await conn.lookupDomainByName('test');
    const byUuid = await conn.lookupDomainByUUIDString(test!.getUUIDString());
    const byId = await conn.lookupDomainByID(test!.getID());
    expect(byName.getUUIDString()).toBe(test!.getUUIDString());
    expect(byUuid.getName()).toBe('test');
    expect(byId.getName()).toBe('test');
    const info = await test!.getInfo();
    expect(info.state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
    expect(info.nrVirtCpu).toBeGreaterThan(0);
    expect(await test!.getXMLDesc(virDomainXMLFlags.VIR_DOMAIN_XML_INACTIVE)).toContain('<name>test</name>');
    const active = await conn.listAllDomains(virConnectListAllDomainsFlags.VIR_CONNECT_LIST_DOMAINS_INACTIVE);
    expect(active).toEqual([]);
  });

  it('runs the lifecycle of a defined domain and reports state reasons', async () => {
    const dom = await conn.defineDomainXML(TEST_XML);
    expect(await dom.isPersistent()).toBe(true);
    expect(await dom.isActive()).toBe(false);
    expect(dom.getID()).toBe(-1);
    await dom.create();
    expect((await dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
    await dom.suspend();
    expect((await dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_PAUSED);
    await dom.resume();
    await dom.reboot();
    await dom.shutdown();
    expect((await dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_SHUTOFF);
    await dom.create();
    await dom.destroy();
    const state = await dom.getState();
    expect(state).toEqual({ state: virDomainState.VIR_DOMAIN_SHUTOFF, reason: 2 /* VIR_DOMAIN_SHUTOFF_DESTROYED */ });
    await dom.setAutostart(true);
    expect(await dom.getAutostart()).toBe(true);
    await dom.undefine();
    await expectLibvirtError(conn.lookupDomainByName('binding-vm'), 'VIR_ERR_NO_DOMAIN');
  });

  it('rejects with typed LibvirtErrors carrying code, domain and function', async () => {
    const err = await expectLibvirtError(conn.lookupDomainByName('no-such-vm'), 'VIR_ERR_NO_DOMAIN');
    expect(err.domainName).toBe('VIR_FROM_TEST');
    expect(err.function).toBe('virDomainLookupByName');
    expect(err.is('VIR_ERR_NO_DOMAIN')).toBe(true);
    await expectLibvirtError(conn.defineDomainXML('<domain>'), 'VIR_ERR_XML_DETAIL');
    // The test driver reports state conflicts as internal errors (the QEMU driver: VIR_ERR_OPERATION_INVALID).
    const running = await conn.lookupDomainByName('test');
    const conflict = await expectLibvirtError(running.create(), 'VIR_ERR_INTERNAL_ERROR');
    expect(conflict.message).toMatch(/already running/);
  });

  it('refuses wrong arguments with a TypeError before doing any work', () => {
    expect(() => conn.lookupDomainByName(42 as unknown as string)).toThrow(TypeError);
    expect(() => conn.listAllDomains(-1)).toThrow(/unsigned 32-bit/);
    expect(() => conn.domainEventRegister(9999, null, () => undefined)).toThrow(/not supported/);
  });

  it('delivers lifecycle events on the JS thread and stops after dispose', async () => {
    const events: DomainEvent[] = [];
    const sub = await subscribeDomainEvents(conn, virDomainEventID.VIR_DOMAIN_EVENT_ID_LIFECYCLE, (e) => events.push(e));
    const dom = await conn.lookupDomainByName('test');
    await dom.suspend();
    const suspended = await waitFor(events, (e) => e.event === 'lifecycle' && e.type === virDomainEventType.VIR_DOMAIN_EVENT_SUSPENDED);
    expect(suspended).toMatchObject({ name: 'test', uuid: dom.getUUIDString() });
    await sub.dispose();
    const count = events.length;
    await dom.resume();
    await new Promise((r) => setTimeout(r, 200));
    expect(events.length).toBe(count);
  });

  it('fails every call on a closed connection with VIR_ERR_INVALID_CONN', async () => {
    const other = await openConnection('test:///default');
    await other.close();
    expect(other.isClosed()).toBe(true);
    expect(other.isAlive()).toBe(false);
    expect(() => other.getHostname()).toThrow(LibvirtError);
    await other.close(); // idempotent
  });

  it('accepts one close callback per connection, even when two registrations race', async () => {
    const other = await openConnection('test:///default');
    const first = other.registerCloseCallback(() => undefined);
    expect(() => other.registerCloseCallback(() => undefined)).toThrow(/already registered/);
    await first;
    await other.close();
  });

  it('refuses or undoes an event registration that races close()', async () => {
    const other = await openConnection('test:///default');
    const events: DomainEvent[] = [];
    const registering = other.domainEventRegister(virDomainEventID.VIR_DOMAIN_EVENT_ID_LIFECYCLE, null, (e) => events.push(e));
    const closing = other.close();
    const outcome = await registering.then(
      () => 'registered',
      (e: unknown) => (e as LibvirtError).codeName,
    );
    await closing;
    expect(['registered', 'VIR_ERR_INVALID_CONN']).toContain(outcome);
    const dom = await conn.lookupDomainByName('test');
    await dom.suspend();
    await dom.resume();
    await new Promise((r) => setTimeout(r, 200));
    expect(events).toEqual([]); // nothing is delivered for a closed connection
  });

  it('frees domains explicitly and refuses use after free', async () => {
    const dom = await conn.lookupDomainByName('test');
    dom.free();
    expect(() => dom.getName()).toThrow(/freed/);
  });
});

describe('connection opening', () => {
  it('reports an unreachable host as a system error', async () => {
    await expectLibvirtError(openConnection('qemu+tcp://127.0.0.9:1/system'), 'VIR_ERR_SYSTEM_ERROR');
  });

  it('reports a transport libvirt does not know', async () => {
    const error = await expectLibvirtError(openConnection('qemu+bogus://h/system'), 'VIR_ERR_INVALID_ARG');
    expect(error.message).toMatch(/transport in URL not recognised/);
  });

  it('reports a missing test driver node file', async () => {
    await expectLibvirtError(openConnection('test:///nonexistent/node.xml'), 'VIR_ERR_XML_ERROR');
  });
});
