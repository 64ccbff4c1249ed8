/**
 * Labs through the contract (`provisioning.deployLab`) on the test bed's network host (host4: its own network
 * namespace, so libvirt starts the lab network for real: bridge, iptables rules, dnsmasq), with the tiny guest
 * as each VM's disk (direct kernel boot, as in deploy.test.ts). Three guests come up on a new isolated
 * network: each prints its marker, takes a DHCP lease from the lab's dnsmasq (the job reports the address the
 * guest printed, and libvirt's lease list has it under the guest's name) and hears the other two answer its
 * all-hosts ping. A lab whose network libvirt refuses midway (its subnet is already in use on the host) fails
 * as one job and leaves nothing; refusals before the job create nothing. virsh is the independent reader;
 * everything is removed in afterAll.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabReportSchema, type LabRequestInput } from '../../../preload/api/labs';
import type { HostSummary } from '../../../preload/contract';
import { callError, startInProcessTandem, waitForJobEnd, type InProcessTandem } from '../../support/inProcessTandem';
import { testbedOrFail } from '../../support/requireTestbed';
import { inNetHost, netHostUri, testSubnet } from '../../testbed/netHost';
import { SERIAL, serialText, tinyGuestDeployOptions, waitForSerial } from '../../testbed/tinyGuest';
import { createBaseImagePool, deployLeftovers, networkNames, removePoolSuite } from './deploySuiteHost';

const env = testbedOrFail();
const execFileAsync = promisify(execFile);
const tag = randomBytes(3).toString('hex');
const POOL = `lab-${tag}`;

describe.skipIf(!env)('provisioning.deployLab on the test bed', () => {
  let t: InProcessTandem;
  let host: HostSummary;
  const uri = env ? netHostUri(env) : '';
  const poolDir = join(env?.images ?? '', `lab-pool-${tag}`);
  const virsh = async (...args: string[]) => (await execFileAsync('virsh', ['-c', uri, ...args])).stdout;
  const subnet = (offset: number) => testSubnet(env!, offset);

  /** Our domains, volumes and networks that libvirt still has. */
  async function leftovers(): Promise<string[]> {
    return [...(await deployLeftovers(virsh, POOL, `l${tag}`)), ...(await networkNames(virsh)).filter((n) => n.startsWith(`l${tag}`))];
  }

  const vm = (name: string) => ({
    name,
    request: { os: { osinfoId: 'debian11', source: 'cloud-image' }, hardware: { vcpus: 1, memoryMiB: 128, disks: [{ sizeGiB: 1 }], graphics: 'none' } },
  });
  const lab = (suffix: string, vmNames: string[], offset = 0): LabRequestInput =>
    ({ hostId: host.id, name: `l${tag}-${suffix}`, subnet: subnet(offset), vms: vmNames.map((n) => vm(`l${tag}-${n}`)) }) as LabRequestInput;

  beforeAll(async () => {
    await createBaseImagePool(virsh, POOL, poolDir);
    // Three guests boot one after the other under TCG on a shared machine: give their leases time.
    t = await startInProcessTandem({ demo: 'never', ...tinyGuestDeployOptions(env!), deployAddressTimeoutMs: 150_000 });
    host = await t.client.call('hosts.add', { uri, name: 'testbed network host' });
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    if (env) await removePoolSuite(virsh, { prefix: `l${tag}`, pool: POOL, poolDir, imagesDir: env.images });
  });

  it('refuses a lab whose third VM name is taken, naming the field, and creates nothing', async () => {
    const taken = `l${tag}-taken`;
    await execFileAsync('sh', ['-c', `printf '%s' "$0" | virsh -c '${uri}' define /dev/stdin`, `<domain type='qemu'><name>${taken}</name><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os></domain>`]);
    const error = await callError(t.client.call('provisioning.deployLab', lab('refused', ['a', 'b', 'taken'])));
    expect(error).toMatchObject({ errorName: 'Conflict', code: 'deploy.name-taken', details: { field: 'vms.2.name' } });
    await virsh('undefine', taken);
    expect(await leftovers()).toEqual([]);
  });

  it('a lab whose network libvirt refuses to start (its subnet is in use on the host) fails as one job and leaves nothing', async () => {
    // A bridge outside libvirt's knowledge holds the subnet: Tandem's checks (libvirt's networks) pass, the start does not.
    const squatter = `tsq${process.pid % 100_000}`;
    const [a, b, c] = subnet(1).split('.');
    await inNetHost(env!, 'ip', 'link', 'add', squatter, 'type', 'bridge');
    try {
      await inNetHost(env!, 'ip', 'addr', 'add', `${a}.${b}.${c}.1/24`, 'dev', squatter);
      await inNetHost(env!, 'ip', 'link', 'set', squatter, 'up');
      const { jobId } = await t.client.call('provisioning.deployLab', lab('inuse', ['a', 'b', 'c'], 1));
      const job = await waitForJobEnd(t, jobId, 240_000);
      expect(job).toMatchObject({ kind: 'deploy-lab', state: 'failed' });
      expect(job.error?.message).toContain(`Network is already in use by interface ${squatter}`);
      expect(await leftovers()).toEqual([]);
    } finally {
      await inNetHost(env!, 'ip', 'link', 'del', squatter);
    }
  });

  it('three tiny guests come up on a new isolated network: marker, DHCP lease reported by the job, peers reachable', async () => {
    const { jobId } = await t.client.call('provisioning.deployLab', lab('up', ['a', 'b', 'c']));
    const job = await waitForJobEnd(t, jobId, 240_000);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    const report = LabReportSchema.parse(job.result);
    expect(report.network).toBe(`l${tag}-up`);
    const [a, b, c] = subnet(0).split('.');
    const leases = await virsh('net-dhcp-leases', `l${tag}-up`);
    const printed = new Map<string, string>();
    for (const n of ['a', 'b', 'c']) {
      const name = `l${tag}-${n}`;
      const serial = join(env!.images, `${name}.serial.log`);
      expect((await waitForSerial(serial, SERIAL.ready, 90_000))[1]).toBe(name);
      const [, iface, address, prefix] = await waitForSerial(serial, SERIAL.netAddress, 90_000);
      expect({ iface, prefix }).toEqual({ iface: 'eth0', prefix: '24' });
      expect(address!.startsWith(`${a}.${b}.${c}.`)).toBe(true);
      printed.set(name, address!);
      // The job reported the address the guest took; libvirt's lease list has it under the guest's host name.
      const vmReport = report.vms.find((v) => v.name === name)!;
      expect(vmReport).toMatchObject({ address, addressNote: "from the network's DHCP lease" });
      const mac = /^\s*vnet\d+\s+network\s+\S+\s+virtio\s+(\S+)\s*$/m.exec(await virsh('domiflist', name))?.[1];
      expect(vmReport.addresses).toEqual([{ address, prefix: 24, family: 'ipv4', mac, interface: expect.stringMatching(/^vnet\d+$/), source: 'lease' }]);
      expect(leases).toMatch(new RegExp(`${mac}\\s+ipv4\\s+${address!.replaceAll('.', '\\.')}/24\\s+${name}\\s`));
      expect(await virsh('domiflist', name)).toContain(`l${tag}-up`);
    }
    expect(new Set(printed.values()).size).toBe(3);
    // Each guest heard the other two answer its ping to 224.0.0.1 on the lab network.
    for (const [name, own] of printed) {
      const serial = join(env!.images, `${name}.serial.log`);
      const others = [...printed.values()].filter((ip) => ip !== own);
      for (const peer of others) await waitForSerial(serial, new RegExp(`^tandem-net-peer ${peer.replaceAll('.', '\\.')}$`, 'm'), 60_000);
      const heard = [...(await serialText({ serialLogPath: serial })).matchAll(/^tandem-net-peer (\S+)$/gm)].map((m) => m[1]);
      expect(heard.sort()).toEqual(others.sort());
    }
  }, 420_000);
});
