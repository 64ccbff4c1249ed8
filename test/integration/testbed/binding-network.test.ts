/**
 * The binding's DHCP lease call on a real libvirt network driver (the test driver has none), on the test bed's
 * network host (host4, a network namespace of its own, where libvirt starts networks: bridge, firewall rules,
 * dnsmasq). A network is defined and started, a tiny guest with a NIC on it takes a lease from its dnsmasq
 * (busybox udhcpc, sending the guest's id as host name) and prints the address on its serial line;
 * virNetworkGetDHCPLeases must report that lease with every field, and filter by MAC. Creates only
 * `ns-<pid>-` objects and removes them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection, virIPAddrType, type Connection, type Domain, type Network } from '../../../native-helpers/libvirt/lib/index';
import { testbedOrFail } from '../../support/requireTestbed';
import { netHostUri, testSubnet } from '../../testbed/netHost';
import { SERIAL, createTinyGuest, removeTinyGuest, waitForSerial, type TinyGuest } from '../../testbed/tinyGuest';

const env = testbedOrFail();
const prefix = `ns-${process.pid}-`;
const bridge = `nsb${process.pid % 1_000_000}`; // bridge names: at most 15 characters

describe.skipIf(!env)('binding: network DHCP leases on a real libvirt host', () => {
  let conn: Connection;
  let net: Network;
  let guest: TinyGuest | undefined;
  let dom: Domain | undefined;
  const [a, b, c] = env ? testSubnet(env, 40).split('.') : [];

  beforeAll(async () => {
    conn = await openConnection(netHostUri(env!));
    net = await conn.defineNetworkXML(`<network><name>${prefix}net</name><bridge name='${bridge}'/>
      <ip address='${a}.${b}.${c}.1' netmask='255.255.255.0'><dhcp><range start='${a}.${b}.${c}.2' end='${a}.${b}.${c}.254'/></dhcp></ip>
    </network>`);
  });

  afterAll(async () => {
    await dom?.destroy().catch(() => undefined);
    await dom?.undefine().catch(() => undefined);
    if (guest) await removeTinyGuest(guest);
    await net?.destroy().catch(() => undefined);
    await net?.undefine();
    await conn?.close();
  });

  it('reads the bridge name of a defined network, and starts it', async () => {
    expect(await net.getBridgeName()).toBe(bridge);
    expect(await net.isActive()).toBe(false);
    await net.create();
    expect(await net.isActive()).toBe(true);
  });

  it('has no leases before dnsmasq handed any out', async () => {
    expect(await net.getDHCPLeases()).toEqual([]);
  });

  it("reports the lease a guest took with every field, and filters by MAC", async () => {
    guest = await createTinyGuest(env!, { name: `${prefix}guest`, id: `${prefix}guest`, network: `${prefix}net`, graphics: 'none' });
    dom = await conn.defineDomainXML(guest.xml);
    await dom.create();
    const [, , address] = await waitForSerial(guest.serialLogPath, SERIAL.netAddress, 90_000);
    const mac = /<mac address='([0-9a-f:]+)'\/>/.exec(await dom.getXMLDesc())![1]!;

    const leases = await net.getDHCPLeases();
    expect(leases).toEqual([
      {
        iface: bridge,
        expiryTime: expect.any(Number),
        type: virIPAddrType.VIR_IP_ADDR_TYPE_IPV4,
        mac,
        iaid: null,
        ipaddr: address,
        prefix: 24,
        hostname: `${prefix}guest`,
        clientid: `01:${mac}`,
      },
    ]);
    // dnsmasq's default lease is an hour.
    expect(leases[0]!.expiryTime).toBeGreaterThan(Date.now() / 1000 + 3000);
    expect((await net.getDHCPLeases(mac)).map((l) => l.ipaddr)).toEqual([address]);
    expect(await net.getDHCPLeases('52:54:00:00:00:00')).toEqual([]);
  }, 120_000);
});
