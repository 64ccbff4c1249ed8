/**
 * Networks on libvirt's test driver: listing, lookups, define/create/destroy/undefine, autostart, update,
 * lifecycle events (and their removal by close()), errors, argument checks and free(). DHCP leases need a
 * real network driver: see test/integration/testbed/binding-network.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LibvirtError,
  openConnection,
  subscribeNetworkEvents,
  virConnectListAllNetworksFlags,
  virNetworkEventID,
  virNetworkEventLifecycleType,
  virNetworkUpdateCommand,
  virNetworkUpdateSection,
  virNetworkUpdateFlags,
  type Connection,
  type NetworkEvent,
} from '../lib/index';
import { expectLibvirtError, sleep, waitFor } from './helpers';

const unique = `ns-${process.pid}`;
let counter = 0;

/** A fresh isolated network definition with a unique name and bridge (bridge names: at most 15 chars). */
function networkXml(): { name: string; xml: string } {
  counter += 1;
  const name = `${unique}-net${counter}`;
  const octet = 100 + counter;
  const xml = `<network><name>${name}</name><bridge name='nsb${process.pid % 100000}x${counter}'/>
    <ip address='192.168.${octet}.1' netmask='255.255.255.0'><dhcp><range start='192.168.${octet}.2' end='192.168.${octet}.254'/></dhcp></ip>
  </network>`;
  return { name, xml };
}

describe('networks on the test driver', () => {
  let conn: Connection;
  beforeEach(async () => {
    conn = await openConnection('test:///default');
  });
  afterEach(async () => {
    for (const net of await conn.listAllNetworks()) {
      if (!net.getName().startsWith(unique)) continue;
      // Persistence first: a destroyed transient network is gone.
      const persistent = await net.isPersistent();
      if (await net.isActive()) await net.destroy();
      if (persistent) await net.undefine();
    }
    await conn.close();
  });

  it('lists and looks up the default network and reads its XML and bridge', async () => {
    const all = await conn.listAllNetworks();
    expect(all.map((n) => n.getName())).toContain('default');
    const byName = await conn.lookupNetworkByName('default');
    const byUuid = await conn.lookupNetworkByUUIDString(byName.getUUIDString());
    expect(byUuid.getName()).toBe('default');
    expect(byName.getUUIDString()).toMatch(/^[0-9a-f-]{36}$/);
    expect(await byName.getXMLDesc()).toContain('<name>default</name>');
    expect(await byName.getBridgeName()).toBe('virbr0');
    expect(await byName.isActive()).toBe(true);
    const inactive = await conn.listAllNetworks(virConnectListAllNetworksFlags.VIR_CONNECT_LIST_NETWORKS_INACTIVE);
    expect(inactive.map((n) => n.getName())).not.toContain('default');
  });

  it('defines, starts, stops and undefines a network, with lifecycle events', async () => {
    const events: NetworkEvent[] = [];
    const sub = await subscribeNetworkEvents(conn, virNetworkEventID.VIR_NETWORK_EVENT_ID_LIFECYCLE, (e) => events.push(e));
    const { name, xml } = networkXml();
    const net = await conn.defineNetworkXML(xml);
    expect(net.getName()).toBe(name);
    expect(await net.isPersistent()).toBe(true);
    expect(await net.isActive()).toBe(false);
    await waitFor(events, (e) => e.name === name && e.type === virNetworkEventLifecycleType.VIR_NETWORK_EVENT_DEFINED);

    await net.create();
    expect(await net.isActive()).toBe(true);
    const started = await waitFor(events, (e) => e.name === name && e.type === virNetworkEventLifecycleType.VIR_NETWORK_EVENT_STARTED);
    expect(started).toMatchObject({ event: 'network-lifecycle', uuid: net.getUUIDString(), detail: 0 });

    await net.setAutostart(true);
    expect(await net.getAutostart()).toBe(true);
    await net.setAutostart(false);
    expect(await net.getAutostart()).toBe(false);

    await net.destroy();
    expect(await net.isActive()).toBe(false);
    await waitFor(events, (e) => e.name === name && e.type === virNetworkEventLifecycleType.VIR_NETWORK_EVENT_STOPPED);
    await net.undefine();
    await waitFor(events, (e) => e.name === name && e.type === virNetworkEventLifecycleType.VIR_NETWORK_EVENT_UNDEFINED);
    await expectLibvirtError(conn.lookupNetworkByName(name), 'VIR_ERR_NO_NETWORK');

    await sub.dispose();
    const count = events.length;
    const other = await conn.defineNetworkXML(networkXml().xml);
    await other.undefine();
    await sleep(200);
    expect(events.length).toBe(count);
  });

  it('creates a transient network that disappears when destroyed', async () => {
    const { name, xml } = networkXml();
    const net = await conn.createNetworkXML(xml);
    expect(await net.isActive()).toBe(true);
    expect(await net.isPersistent()).toBe(false);
    await net.destroy();
    await expectLibvirtError(conn.lookupNetworkByName(name), 'VIR_ERR_NO_NETWORK');
  });

  it('updates a running network: a new DHCP host appears in its XML', async () => {
    const net = await conn.createNetworkXML(networkXml().xml);
    const host = `<host mac='52:54:00:aa:bb:0${counter}' name='ns-host' ip='192.168.${100 + counter}.50'/>`;
    await net.update(
      virNetworkUpdateCommand.VIR_NETWORK_UPDATE_COMMAND_ADD_FIRST,
      virNetworkUpdateSection.VIR_NETWORK_SECTION_IP_DHCP_HOST,
      -1,
      host,
      virNetworkUpdateFlags.VIR_NETWORK_UPDATE_AFFECT_LIVE,
    );
    expect(await net.getXMLDesc()).toMatch(/<host mac='52:54:00:aa:bb:0\d' name='ns-host' ip='192\.168\.\d+\.50'\/>/);
    await expectLibvirtError(
      net.update(
        virNetworkUpdateCommand.VIR_NETWORK_UPDATE_COMMAND_DELETE,
        virNetworkUpdateSection.VIR_NETWORK_SECTION_IP_DHCP_HOST,
        -1,
        `<host mac='52:54:00:ff:ff:ff' ip='192.168.${100 + counter}.99'/>`,
        virNetworkUpdateFlags.VIR_NETWORK_UPDATE_AFFECT_LIVE,
      ),
      'VIR_ERR_OPERATION_INVALID',
    );
  });

  it('reports what the test driver lacks and wrong names as LibvirtErrors', async () => {
    const net = await conn.lookupNetworkByName('default');
    const leases = await expectLibvirtError(net.getDHCPLeases(), 'VIR_ERR_NO_SUPPORT');
    expect(leases.function).toBe('virNetworkGetDHCPLeases');
    const missing = await expectLibvirtError(conn.lookupNetworkByName(`${unique}-missing`), 'VIR_ERR_NO_NETWORK');
    expect(missing.domainName).toBe('VIR_FROM_TEST'); // the driver that failed (VIR_FROM_NETWORK on QEMU hosts)
    await expectLibvirtError(conn.defineNetworkXML('<network>'), 'VIR_ERR_XML_DETAIL');
    await expectLibvirtError(conn.lookupNetworkByUUIDString('not-a-uuid'), 'VIR_ERR_INVALID_ARG');
  });

  it('refuses wrong arguments with a TypeError before doing any work', async () => {
    const net = await conn.lookupNetworkByName('default');
    const dom = await conn.lookupDomainByName('test');
    expect(() => conn.lookupNetworkByName(42 as unknown as string)).toThrow(TypeError);
    expect(() => conn.listAllNetworks(-1)).toThrow(/unsigned 32-bit/);
    expect(() => conn.networkEventRegister(99, null, () => undefined)).toThrow(/not supported/);
    expect(() => conn.networkEventRegister(0, dom as never, () => undefined)).toThrow(/must be a Network/);
    expect(() => conn.networkEventRegister(0, null, 'x' as never)).toThrow(TypeError);
    expect(() => net.update(undefined as never, 4, -1, '<host/>')).toThrow(/command must be a number/);
    expect(() => net.setAutostart('yes' as never)).toThrow(TypeError);
    expect(() => net.getDHCPLeases(7 as never)).toThrow(/mac must be a string/);
  });

  it('close() removes the connection\'s network callbacks', async () => {
    const other = await openConnection('test:///default');
    const seenByOther: NetworkEvent[] = [];
    const seen: NetworkEvent[] = [];
    await other.networkEventRegister(virNetworkEventID.VIR_NETWORK_EVENT_ID_LIFECYCLE, null, (e) => seenByOther.push(e));
    await conn.networkEventRegister(virNetworkEventID.VIR_NETWORK_EVENT_ID_LIFECYCLE, null, (e) => seen.push(e));
    await other.close();
    const { name, xml } = networkXml();
    await (await conn.defineNetworkXML(xml)).undefine();
    await waitFor(seen, (e) => e.name === name && e.type === virNetworkEventLifecycleType.VIR_NETWORK_EVENT_UNDEFINED);
    expect(seenByOther.filter((e) => e.name === name)).toEqual([]);
  });

  it('filters events to one network', async () => {
    const first = await conn.defineNetworkXML(networkXml().xml);
    const second = await conn.defineNetworkXML(networkXml().xml);
    const events: NetworkEvent[] = [];
    const id = await conn.networkEventRegister(virNetworkEventID.VIR_NETWORK_EVENT_ID_LIFECYCLE, first, (e) => events.push(e));
    await second.create();
    await first.create();
    await waitFor(events, (e) => e.type === virNetworkEventLifecycleType.VIR_NETWORK_EVENT_STARTED);
    await sleep(100);
    expect(events.map((e) => e.name)).toEqual([first.getName()]);
    await conn.networkEventDeregister(id);
    await expectLibvirtError(conn.networkEventDeregister(id), 'VIR_ERR_INVALID_ARG');
  });

  it('frees networks explicitly and refuses use after free', async () => {
    const net = await conn.lookupNetworkByName('default');
    net.free();
    expect(() => net.getName()).toThrow(LibvirtError);
    try {
      net.isActive();
    } catch (e) {
      expect((e as LibvirtError).codeName).toBe('VIR_ERR_INVALID_NETWORK');
    }
    expect.assertions(2);
  });
});
