/**
 * VM networks through the contract (`networks.*`) on the test bed's network host (host4: a network namespace
 * of its own, so libvirt starts networks for real: bridge, iptables rules, dnsmasq). virsh reads the
 * definitions back; the bridge, its address and the firewall rules are read in host4's namespace (ip,
 * iptables through nsenter). A start libvirt refuses (the subnet already in use on the host) leaves no
 * definition; a delete stops the network and its bridge and rules go. Subnets are 10.(100+slot).N.0/24 with
 * N from this process, explicit bridge names carry slot and pid; everything created is removed in afterAll.
 * Changes made outside Tandem (a network defined, started, stopped, undefined, a domain defined, all with virsh)
 * and start / stop / autostart reach the client as
 * `networks.changed`.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostSummary } from '../../../preload/contract';
import { callError, startInProcessTandem, type InProcessTandem } from '../../support/inProcessTandem';
import { testbedOrFail } from '../../support/requireTestbed';
import { inNetHost, netHostUri } from '../../testbed/netHost';

const env = testbedOrFail();
const execFileAsync = promisify(execFile);
const tag = randomBytes(3).toString('hex');
const slot = Number(/127\.0\.(\d+)\./.exec(env?.host1Uri ?? '')?.[1] ?? 0);
const third = (offset: number) => (process.pid * 3 + offset) % 250;
const subnet = (offset: number) => `10.${100 + slot}.${third(offset)}.0/24`;
const bridge = (suffix: string) => `tn${slot}${suffix}${process.pid % 100_000}`.slice(0, 15);

describe.skipIf(!env)('networks.* on the test bed', () => {
  let t: InProcessTandem;
  let host: HostSummary;
  const uri = env ? netHostUri(env) : '';
  const virsh = async (...args: string[]) => (await execFileAsync('virsh', ['-c', uri, ...args])).stdout;
  const netNames = async () => (await virsh('net-list', '--all', '--name')).split('\n').map((s) => s.trim()).filter(Boolean);
  /** The bridge's IPv4 addresses in host4's namespace; null when there is no such device. */
  const bridgeAddresses = async (name: string) =>
    inNetHost(env!, 'ip', '-o', '-4', 'addr', 'show', 'dev', name).then(
      (out) => [...out.matchAll(/inet (\S+)/g)].map((m) => m[1]),
      (error: { stderr?: string }) => {
        if (/does not exist/.test(error.stderr ?? '')) return null;
        throw error;
      },
    );
  const firewall = async (table: 'filter' | 'nat') => inNetHost(env!, 'iptables', '-t', table, '-S');

  beforeAll(async () => {
    t = await startInProcessTandem({ demo: 'never' });
    host = await t.client.call('hosts.add', { uri, name: 'testbed network host' });
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    if (!env) return;
    for (const name of (await virsh('list', '--all', '--name')).split('\n').map((s) => s.trim())) {
      if (name.startsWith(`n${tag}`)) await virsh('undefine', name).catch(() => undefined);
    }
    for (const name of await netNames()) {
      if (!name.startsWith(`n${tag}`)) continue;
      await virsh('net-destroy', name).catch(() => undefined);
      await virsh('net-undefine', name).catch(() => undefined);
    }
  });

  it('a start libvirt refuses (the subnet is in use on the host) leaves no definition behind', async () => {
    const squatter = bridge('q');
    const [a, b, c] = subnet(7).split('.');
    await inNetHost(env!, 'ip', 'link', 'add', squatter, 'type', 'bridge');
    try {
      await inNetHost(env!, 'ip', 'addr', 'add', `${a}.${b}.${c}.1/24`, 'dev', squatter);
      await inNetHost(env!, 'ip', 'link', 'set', squatter, 'up');
      const before = await netNames();
      const error = await callError(t.client.call('networks.create', { hostId: host.id, name: `n${tag}-start`, mode: 'isolated', subnet: subnet(7) }));
      expect(error).toMatchObject({ errorName: 'OperationFailed' });
      expect(error.message).toContain(`Network is already in use by interface ${squatter}`);
      expect(await netNames()).toEqual(before);
    } finally {
      await inNetHost(env!, 'ip', 'link', 'del', squatter);
    }
  });

  it('creates and starts an isolated network with DHCP on a bridge libvirt chose free', async () => {
    const name = `n${tag}-iso`;
    const created = await t.client.call('networks.create', { hostId: host.id, name, mode: 'isolated', subnet: subnet(0) });
    const [a, b, c] = subnet(0).split('.');
    expect(created).toMatchObject({
      name,
      mode: 'isolated',
      subnets: [subnet(0)],
      dhcpRange: { start: `${a}.${b}.${c}.2`, end: `${a}.${b}.${c}.254` },
      active: true,
      persistent: true,
      autostart: true,
      vms: [],
    });
    expect(created.bridge).toMatch(/^tandembr\d+$/);
    const xml = await virsh('net-dumpxml', name);
    expect(xml).not.toContain('<forward');
    expect(xml).toContain(`<bridge name='${created.bridge}'`);
    expect(xml).toContain(`<ip address='${a}.${b}.${c}.1' netmask='255.255.255.0'>`);
    expect(xml).toContain(`<range start='${a}.${b}.${c}.2' end='${a}.${b}.${c}.254'/>`);
    expect(await virsh('net-info', name)).toMatch(/Active:\s+yes[\s\S]*Autostart:\s+yes/);
    // Started for real: the bridge holds the host's address; DHCP is let in, forwarding in and out refused.
    expect(await bridgeAddresses(created.bridge!)).toEqual([`${a}.${b}.${c}.1/24`]);
    const rules = await firewall('filter');
    expect(rules).toContain(`-A LIBVIRT_INP -i ${created.bridge} -p udp -m udp --dport 67 -j ACCEPT`);
    expect(rules).toContain(`-A LIBVIRT_FWO -i ${created.bridge} -j REJECT`);
    expect(rules).not.toContain(`-s ${subnet(0)} -i ${created.bridge} -j ACCEPT`);
  });

  it.each([
    ['nat', 'nat'],
    ['routed', 'route'],
  ] as const)('creates and starts a %s network on the bridge asked for', async (mode, forward) => {
    const name = `n${tag}-${mode}`;
    const offset = mode === 'nat' ? 1 : 2;
    const created = await t.client.call('networks.create', { hostId: host.id, name, mode, subnet: subnet(offset), bridge: bridge(mode[0]!), dhcp: false, autostart: false });
    expect(created).toMatchObject({ name, mode, bridge: bridge(mode[0]!), subnets: [subnet(offset)], dhcpRange: null, active: true, autostart: false });
    const xml = await virsh('net-dumpxml', name);
    expect(xml).toContain(`<forward mode='${forward}'`);
    expect(xml).toContain(`<bridge name='${bridge(mode[0]!)}'`);
    const listed = await t.client.call('networks.list', { hostId: host.id });
    expect(listed.find((n) => n.name === name)).toEqual(created);
    // Both let the subnet out through the host; only NAT masquerades it.
    expect(await firewall('filter')).toContain(`-A LIBVIRT_FWO -s ${subnet(offset)} -i ${bridge(mode[0]!)} -j ACCEPT`);
    const masquerade = `-A LIBVIRT_PRT -s ${subnet(offset)} ! -d ${subnet(offset)} -j MASQUERADE`;
    if (mode === 'nat') expect(await firewall('nat')).toContain(masquerade);
    else expect(await firewall('nat')).not.toContain(masquerade);
  });

  it('defines a network without starting it when asked', async () => {
    const name = `n${tag}-off`;
    const created = await t.client.call('networks.create', { hostId: host.id, name, mode: 'isolated', subnet: subnet(3), bridge: bridge('o'), start: false, autostart: false });
    expect(created).toMatchObject({ name, active: false, autostart: false, bridge: bridge('o') });
    expect(await virsh('net-info', name)).toMatch(/Active:\s+no/);
    expect(await bridgeAddresses(bridge('o'))).toBeNull();
    expect(await t.client.call('networks.delete', { hostId: host.id, name })).toBeNull();
    expect(await netNames()).not.toContain(name);
  });

  it('a network defined, started, stopped and undefined with virsh (outside Tandem) is pushed each time', async () => {
    const name = `n${tag}-virsh`;
    const [a, b, c] = subnet(6).split('.');
    const find = (e: { hostId: string; networks: Array<{ name: string; active: boolean }> }) => (e.hostId === host.id ? e.networks.find((n) => n.name === name) : undefined);
    const pushed = (predicate: (e: Parameters<typeof find>[0]) => boolean) => t.nextEvent('networks.changed', predicate);
    const defined = pushed((e) => find(e)?.active === false);
    const xml = `<network><name>${name}</name><bridge name='${bridge('v')}'/><ip address='${a}.${b}.${c}.1' prefix='24'/></network>`;
    await execFileAsync('sh', ['-c', `printf '%s' "$0" | virsh -c '${uri}' net-define /dev/stdin`, xml]);
    await defined;
    const started = pushed((e) => find(e)?.active === true);
    await virsh('net-start', name);
    await started;
    const stopped = pushed((e) => find(e)?.active === false);
    await virsh('net-destroy', name);
    await stopped;
    const gone = pushed((e) => e.hostId === host.id && find(e) === undefined);
    await virsh('net-undefine', name);
    await gone;
  });

  it('refuses bad input with field errors and creates nothing', async () => {
    const before = await netNames();
    const base = { hostId: host.id, mode: 'isolated' as const, start: false };
    const cases: [Record<string, unknown>, string, string, string][] = [
      [{ name: 'bad name!', subnet: subnet(5) }, 'InvalidInput', 'network.invalid', 'name'],
      [{ name: `n${tag}-x`, subnet: '10.1.2.3/24' }, 'InvalidInput', 'network.subnet-invalid', 'subnet'],
      [{ name: `n${tag}-x`, subnet: '300.1.2.0/24' }, 'InvalidInput', 'network.subnet-invalid', 'subnet'],
      [{ name: `n${tag}-x`, subnet: '10.0.0.0/31' }, 'InvalidInput', 'network.subnet-invalid', 'subnet'],
      [{ name: `n${tag}-iso`, subnet: subnet(5) }, 'Conflict', 'network.name-taken', 'name'],
      [{ name: `n${tag}-x`, subnet: `10.${100 + slot}.0.0/16` }, 'Conflict', 'network.subnet-overlap', 'subnet'],
      [{ name: `n${tag}-x`, subnet: subnet(5), bridge: bridge('n') }, 'Conflict', 'network.bridge-taken', 'bridge'],
      [{ name: `n${tag}-x`, subnet: subnet(5), bridge: 'a/b' }, 'InvalidInput', 'network.invalid', 'bridge'],
      [{ name: `n${tag}-x`, subnet: subnet(5), bridge: 'sixteen-chars-xx' }, 'InvalidInput', 'network.invalid', 'bridge'],
    ];
    for (const [input, errorName, code, field] of cases) {
      const error = await callError(t.client.call('networks.create', { ...base, ...input } as never));
      expect({ errorName: error.errorName, code: error.code, field: (error as { details?: { field?: string } }).details?.field }, JSON.stringify(input)).toEqual({
        errorName,
        code,
        field,
      });
    }
    expect(await netNames()).toEqual(before);
  });

  it('refuses to delete a network a VM uses, naming it; deletes (stops) it once the VM is gone', async () => {
    const name = `n${tag}-iso`;
    const bridgeName = (await t.client.call('networks.list', { hostId: host.id })).find((n) => n.name === name)!.bridge!;
    const vm = `n${tag}-vm`;
    const domainXml = `<domain type='qemu'><name>${vm}</name><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os>
      <devices><interface type='network'><source network='${name}'/></interface></devices></domain>`;
    // The domain defined outside Tandem reaches the UI as a pushed list (libvirt's domain lifecycle event).
    const attached = t.nextEvent('networks.changed', (c) => c.hostId === host.id && c.networks.find((n) => n.name === name)?.vms.includes(vm) === true);
    await execFileAsync('sh', ['-c', `printf '%s' "$0" | virsh -c '${uri}' define /dev/stdin`, domainXml]);
    await attached;
    expect((await t.client.call('networks.list', { hostId: host.id })).find((n) => n.name === name)?.vms).toEqual([vm]);

    const refused = await callError(t.client.call('networks.delete', { hostId: host.id, name }));
    expect(refused).toMatchObject({ errorName: 'Conflict', code: 'network.in-use', details: { vms: [vm] } });
    expect(refused.message).toContain(vm);
    expect(await netNames()).toContain(name);

    const detached = t.nextEvent('networks.changed', (c) => c.hostId === host.id && c.networks.find((n) => n.name === name)?.vms.length === 0);
    await virsh('undefine', vm);
    await detached;
    const removed = t.nextEvent('networks.changed', (c) => c.hostId === host.id && !c.networks.some((n) => n.name === name));
    expect(await t.client.call('networks.delete', { hostId: host.id, name })).toBeNull();
    await removed;
    expect(await netNames()).not.toContain(name);
    expect(await bridgeAddresses(bridgeName)).toBeNull();
    expect(await callError(t.client.call('networks.delete', { hostId: host.id, name }))).toMatchObject({ errorName: 'NotFound', code: 'network.not-found' });
  });

  it('stops and starts a network for real and sets its autostart, each pushed; refuses what is already so', async () => {
    const name = `n${tag}-nat`;
    const [a, b, c] = subnet(1).split('.');
    const on = (active: boolean) => t.nextEvent('networks.changed', (e) => e.hostId === host.id && e.networks.find((n) => n.name === name)?.active === active);
    const stopped = on(false);
    expect(await t.client.call('networks.stop', { hostId: host.id, name })).toMatchObject({ active: false });
    await stopped;
    expect(await bridgeAddresses(bridge('n'))).toBeNull();
    expect(await callError(t.client.call('networks.stop', { hostId: host.id, name }))).toMatchObject({ errorName: 'Conflict', code: 'network.inactive' });
    const started = on(true);
    expect(await t.client.call('networks.start', { hostId: host.id, name })).toMatchObject({ active: true });
    await started;
    expect(await bridgeAddresses(bridge('n'))).toEqual([`${a}.${b}.${c}.1/24`]);
    expect(await callError(t.client.call('networks.start', { hostId: host.id, name }))).toMatchObject({ errorName: 'Conflict', code: 'network.active' });
    // libvirt has no autostart event: Tandem pushes the list itself.
    const pushed = t.nextEvent('networks.changed', (e) => e.hostId === host.id && e.networks.find((n) => n.name === name)?.autostart === true);
    expect(await t.client.call('networks.setAutostart', { hostId: host.id, name, autostart: true })).toMatchObject({ autostart: true });
    await pushed;
    expect(await virsh('net-info', name)).toMatch(/Autostart:\s+yes/);
  });

  it('defines a routed network with a forward device and a DHCP range of its own', async () => {
    const name = `n${tag}-fwd`;
    const created = await t.client.call('networks.create', {
      hostId: host.id,
      name,
      mode: 'routed',
      subnet: subnet(4),
      bridge: bridge('f'),
      forwardDevice: 'lo',
      dhcpRange: { start: subnet(4).replace('0/24', '100'), end: subnet(4).replace('0/24', '120') },
      start: false,
    });
    expect(created).toMatchObject({ mode: 'routed', forwardDevice: 'lo', dhcpRange: { start: subnet(4).replace('0/24', '100'), end: subnet(4).replace('0/24', '120') } });
    const xml = await virsh('net-dumpxml', name);
    expect(xml).toContain(`<forward dev='lo' mode='route'>`);
    expect(xml).toContain(`<range start='${subnet(4).replace('0/24', '100')}' end='${subnet(4).replace('0/24', '120')}'/>`);
    await t.client.call('networks.delete', { hostId: host.id, name });
  });

  it('deletes the NAT and routed networks: their bridges and firewall rules go', async () => {
    for (const mode of ['nat', 'routed']) await t.client.call('networks.delete', { hostId: host.id, name: `n${tag}-${mode}` });
    expect((await netNames()).filter((n) => n.startsWith(`n${tag}`))).toEqual([]);
    for (const mode of ['n', 'r']) expect(await bridgeAddresses(bridge(mode))).toBeNull();
    const rules = (await firewall('filter')) + (await firewall('nat'));
    for (const offset of [1, 2]) expect(rules).not.toContain(subnet(offset));
  });
});
