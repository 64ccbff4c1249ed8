/**
 * The binding's DHCP lease call on a real libvirt network driver (the test driver has none). Starting a
 * network would create a bridge, firewall rules and a dnsmasq on the shared machine, so the network is only
 * defined, and its lease is written where libvirt's leaseshelper keeps them for dnsmasq (the host's
 * /var/lib/libvirt/dnsmasq/<bridge>.status, a JSON list; the test bed bind-mounts that folder from
 * <STATE>/host0/lib/libvirt). virNetworkGetDHCPLeases reads that file and completes the lease from the
 * network's definition (interface, prefix). Creates only `ns-<pid>-` objects and removes them.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection, virIPAddrType, type Connection, type Network } from '../../../native-helpers/libvirt/lib/index';
import { testbedOrFail } from '../../support/requireTestbed';

const env = testbedOrFail();
const prefix = `ns-${process.pid}-`;
const bridge = `nsb${process.pid % 1_000_000}`; // bridge names: at most 15 characters

describe.skipIf(!env)('binding: network DHCP leases on a real libvirt host', () => {
  let conn: Connection;
  let net: Network;
  let leaseDir: string;
  let createdLeaseDir = false;
  let leaseFile: string;

  beforeAll(async () => {
    conn = await openConnection(env!.host0Uri);
    net = await conn.defineNetworkXML(`<network><name>${prefix}net</name><bridge name='${bridge}'/>
      <ip address='192.168.233.1' netmask='255.255.255.0'><dhcp><range start='192.168.233.2' end='192.168.233.254'/></dhcp></ip>
    </network>`);
    leaseDir = join(env!.dir, 'host0', 'lib', 'libvirt', 'dnsmasq');
    createdLeaseDir = !existsSync(leaseDir);
    mkdirSync(leaseDir, { recursive: true });
    leaseFile = join(leaseDir, `${bridge}.status`);
  });

  afterAll(async () => {
    if (leaseFile) rmSync(leaseFile, { force: true });
    if (createdLeaseDir && readdirSync(leaseDir).length === 0) rmdirSync(leaseDir);
    await net?.undefine();
    await conn?.close();
  });

  it('reads the bridge name of a defined network', async () => {
    expect(await net.getBridgeName()).toBe(bridge);
    expect(await net.isActive()).toBe(false);
  });

  it('has no leases before dnsmasq handed any out', async () => {
    expect(await net.getDHCPLeases()).toEqual([]);
  });

  it('reports each lease with every field, and filters by MAC', async () => {
    const expiry = Math.floor(Date.now() / 1000) + 3600;
    writeFileSync(
      leaseFile,
      JSON.stringify([
        { 'ip-address': '192.168.233.50', 'mac-address': '52:54:00:12:34:56', hostname: 'ns-guest', 'client-id': '01:52:54:00:12:34:56', 'expiry-time': expiry },
        { 'ip-address': '192.168.233.51', 'mac-address': '52:54:00:12:34:57', 'expiry-time': expiry },
      ]),
    );
    const leases = await net.getDHCPLeases();
    expect(leases).toHaveLength(2);
    expect(leases[0]).toEqual({
      iface: bridge,
      expiryTime: expiry,
      type: virIPAddrType.VIR_IP_ADDR_TYPE_IPV4,
      mac: '52:54:00:12:34:56',
      iaid: null,
      ipaddr: '192.168.233.50',
      prefix: 24,
      hostname: 'ns-guest',
      clientid: '01:52:54:00:12:34:56',
    });
    expect(leases[1]).toMatchObject({ mac: '52:54:00:12:34:57', ipaddr: '192.168.233.51', hostname: null, clientid: null });
    const one = await net.getDHCPLeases('52:54:00:12:34:57');
    expect(one.map((l) => l.ipaddr)).toEqual(['192.168.233.51']);
    expect(await net.getDHCPLeases('52:54:00:00:00:00')).toEqual([]);
  });
});
