/**
 * The connection manager under a dying host, on the QEMU test bed: host1 and host2 added by URI through the
 * contract; host1's libvirtd killed (SIGKILL, by its PID) shows host1 'unreachable' with a reason (event);
 * host2 keeps answering meanwhile; restarting the daemon brings host1 back 'connected' with its VMs, without
 * any call from the user. Also the host page's data from a real QEMU host, and bad input on hosts.*.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, readlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callError, startInProcessTandem, type InProcessTandem } from '../../support/inProcessTandem';
import { testbedOrFail } from '../../support/requireTestbed';

const run = promisify(execFile);
const env = testbedOrFail();
const REPO = resolve(import.meta.dirname, '..', '..', '..');

/** A defined (not started) domain: enough to see that a host's VMs come back after its daemon restarts. */
function idleDomainXml(name: string, uuid: string): string {
  return `<domain type='qemu'><name>${name}</name><uuid>${uuid}</uuid><memory unit='MiB'>64</memory><vcpu>1</vcpu>
    <os><type arch='x86_64'>hvm</type></os></domain>`;
}

/** host1's libvirtd, from its pidfile, checked to be libvirtd (never signal a recycled PID). */
async function host1DaemonPid(): Promise<number> {
  const pid = Number((await readFile(join(env!.dir, 'host1', 'libvirtd.pid'), 'utf8')).trim());
  expect(await readlink(`/proc/${pid}/exe`)).toBe('/usr/sbin/libvirtd');
  return pid;
}

describe.skipIf(!env)('connection manager on the test bed', () => {
  let t: InProcessTandem;
  let host1 = '';
  let host2 = '';
  const vmUuid = randomUUID();

  beforeAll(async () => {
    // Short backoff so the test waits for the daemon, not for a 60 s retry delay.
    t = await startInProcessTandem({ demo: 'never', reconnect: { firstRetryMs: 250, maxRetryMs: 1000 } });
    host1 = (await t.client.call('hosts.add', { uri: env!.host1Uri, name: 'host1' })).id;
    host2 = (await t.client.call('hosts.add', { uri: env!.host2Uri, name: 'host2' })).id;
    await t.tandem.hosts.session(host1).defineVm(idleDomainXml(`cm-idle-${vmUuid.slice(0, 8)}`, vmUuid));
  });

  afterAll(async () => {
    await t.tandem.hosts.session(host1).undefineVm(vmUuid).catch(() => undefined);
    await t?.stop();
  });

  it('shows a real host page: capabilities, firmware, resources, pools', async () => {
    const details = await t.client.call('hosts.details', { hostId: host2 });
    expect(details).toMatchObject({ hostId: host2, arch: 'x86_64', cpuVendor: expect.any(String), firmware: { efi: true }, confidential: { sev: false } });
    expect(details.domainTypes).toContain('qemu');
    // KVM only where it is listed and the host's probe started a KVM guest (kvmProbe.test.ts); else the reason.
    expect(details.acceleration).toBe(details.domainTypes.includes('kvm') && !details.kvmUnusable ? 'kvm' : 'tcg');
    expect(details.kvmUnusable === undefined || details.domainTypes.includes('kvm')).toBe(true);
    expect(details.firmware?.paths.some((p) => p.includes('OVMF'))).toBe(true);
    expect(details.cpus).toBeGreaterThan(0);
    expect(details.freeMemoryKiB).toBeGreaterThan(0);
    expect(details.freeMemoryKiB).toBeLessThanOrEqual(details.memoryKiB);
    for (const pool of details.pools) expect(pool.capacityBytes).toBeGreaterThanOrEqual(pool.allocationBytes);
  });

  it('refuses bad input on hosts.* with specific errors and changes nothing', async () => {
    const before = await t.client.call('hosts.list', {});
    const cases: Array<[Promise<unknown>, string]> = [
      [t.client.call('hosts.add', { uri: 'qemu:/system' }), 'payload.invalid'],
      [t.client.call('hosts.add', { uri: 'qemu+tcp:///system' }), 'host.uri-invalid'],
      [t.client.call('hosts.add', { uri: 'xen:///system' }), 'host.uri-invalid'],
      [t.client.call('hosts.add', { uri: 'qemu+carrier-pigeon://h/system' }), 'host.uri-invalid'],
      [t.client.call('hosts.add', { uri: env!.host1Uri }), 'host.duplicate'],
      [t.client.call('hosts.update', { hostId: host2, uri: env!.host1Uri }), 'host.duplicate'],
      [t.client.call('hosts.update', { hostId: host2, uri: 'qemu+tcp://nohost' }), 'host.uri-invalid'],
      [t.client.call('hosts.update', { hostId: 'no-such-host', name: 'x' }), 'host.not-found'],
      [t.client.call('hosts.details', { hostId: 'no-such-host' }), 'host.not-found'],
      [t.client.call('credentials.answer', { requestId: randomUUID(), cancel: true }), 'credentials.request-not-found'],
      // Nothing listens there: refused by the kernel, reported as libvirt's system error.
      [t.client.call('hosts.add', { uri: env!.host1Uri.replace(':16510', ':16599') }), 'libvirt.VIR_ERR_SYSTEM_ERROR'],
    ];
    for (const [call, code] of cases) expect((await callError(call)).code).toBe(code);
    expect(await t.client.call('hosts.list', {})).toEqual(before);
  });

  it('renames a host without reconnecting it, and persists the name', async () => {
    const renamed = await t.client.call('hosts.update', { hostId: host2, name: 'second host' });
    expect(renamed).toMatchObject({ id: host2, name: 'second host', status: 'connected', uri: env!.host2Uri });
    const saved = JSON.parse(await readFile(join(t.dataDir, 'hosts.json'), 'utf8')) as { hosts: Array<{ id: string; name: string }> };
    expect(saved.hosts.find((h) => h.id === host2)?.name).toBe('second host');
  });

  it('a killed daemon shows its host unreachable, the other host keeps answering, and a restart brings it back', async () => {
    const pid = await host1DaemonPid();
    const unreachable = t.nextEvent('hosts.changed', (h) => h.id === host1 && h.status === 'unreachable', 30_000);
    process.kill(pid, 'SIGKILL');
    const down = await unreachable;
    expect(down.statusReason).toBeTruthy();
    expect(await callError(t.client.call('hosts.details', { hostId: host1 }))).toMatchObject({ errorName: 'HostUnreachable', code: 'host.not-connected' });

    // While host1 is down and being retried, host2 and the app answer.
    expect((await t.client.call('hosts.details', { hostId: host2 })).arch).toBe('x86_64');
    expect(await t.client.call('vms.list', { hostId: host2 })).toBeInstanceOf(Array);
    expect((await t.client.call('hosts.list', {})).find((h) => h.id === host2)?.status).toBe('connected');

    const back = t.nextEvent('hosts.changed', (h) => h.id === host1 && h.status === 'connected', 90_000);
    const slot = /^qemu\+tcp:\/\/127\.0\.(\d)\./.exec(env!.host1Uri)?.[1] ?? '0';
    await run('bash', [join(REPO, 'scripts', 'testbed', 'hosts.sh'), 'start'], {
      env: { ...process.env, TANDEM_TESTBED_SLOT: slot, TANDEM_TESTBED_DIR: env!.dir },
    });
    await back;
    await expect.poll(async () => (await t.client.call('vms.list', { hostId: host1 })).map((v) => v.uuid), { timeout: 10_000 }).toContain(vmUuid);
  });

  it('a daemon that stops answering (SIGSTOP) is declared unreachable by keepalive, and recovers on SIGCONT', async () => {
    const pid = await host1DaemonPid();
    const unreachable = t.nextEvent('hosts.changed', (h) => h.id === host1 && h.status === 'unreachable', 60_000);
    process.kill(pid, 'SIGSTOP');
    try {
      expect((await unreachable).statusReason).toMatch(/keepalive/);
      expect((await t.client.call('hosts.details', { hostId: host2 })).arch).toBe('x86_64');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await t.nextEvent('hosts.changed', (h) => h.id === host1 && h.status === 'connected', 90_000);
    expect((await t.client.call('vms.list', { hostId: host1 })).map((v) => v.uuid)).toContain(vmUuid);
  });
});
