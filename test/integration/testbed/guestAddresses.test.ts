/**
 * Guest addresses on the test bed's network host (host4), through the contract: a deployed VM on a network
 * with DHCP whose job ended before the guest had a lease ("not known yet") gets its address announced
 * (`vms.addressesFound`), the one the guest printed and libvirt's lease list holds; `vms.addresses` reads it
 * on demand. A guest on a network without DHCP, with a fixed address only its QEMU guest agent can tell, is
 * read through the agent. Stopped and unknown VMs. virsh is the independent reader.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DeployReportSchema } from '../../../preload/api/deploy';
import type { GuestAddress } from '../../../preload/api/guestAddresses';
import type { EventPayload, HostSummary } from '../../../preload/contract';
import { callError, startInProcessTandem, waitForJobEnd, type InProcessTandem } from '../../support/inProcessTandem';
import { testbedOrFail } from '../../support/requireTestbed';
import { netHostUri, testSubnet } from '../../testbed/netHost';
import { createTinyGuest, removeTinyGuest, SERIAL, tinyGuestDeployOptions, waitForSerial, type TinyGuest } from '../../testbed/tinyGuest';
import { createBaseImagePool, removePoolSuite } from './deploySuiteHost';

const env = testbedOrFail();
const execFileAsync = promisify(execFile);
const tag = randomBytes(3).toString('hex');
const POOL = `ga-${tag}`;

describe.skipIf(!env)('guest addresses on the network host', () => {
  let t: InProcessTandem;
  let host: HostSummary;
  let agentGuest: TinyGuest | undefined;
  const found: Array<EventPayload<'vms.addressesFound'>> = [];
  const uri = env ? netHostUri(env) : '';
  const poolDir = join(env?.images ?? '', `ga-pool-${tag}`);
  const virsh = async (...args: string[]) => (await execFileAsync('virsh', ['-c', uri, ...args])).stdout;
  const macOf = async (name: string) => /^\s*vnet\d+\s+network\s+\S+\s+virtio\s+(\S+)\s*$/m.exec(await virsh('domiflist', name))?.[1];

  beforeAll(async () => {
    await createBaseImagePool(virsh, POOL, poolDir);
    // The job gives up on the address at once: no guest boots and takes a lease within half a second of its
    // start under TCG, so the address comes through the watch that goes on after the job.
    t = await startInProcessTandem({ demo: 'never', ...tinyGuestDeployOptions(env!), deployAddressTimeoutMs: 500, guestAddressPollMs: 1_000 });
    host = await t.client.call('hosts.add', { uri, name: 'testbed network host' });
    t.client.on('vms.addressesFound', (change) => found.push(change));
    await t.client.call('networks.create', { hostId: host.id, name: `ga${tag}-dhcp`, mode: 'isolated', subnet: testSubnet(env!, 20) });
    await t.client.call('networks.create', { hostId: host.id, name: `ga${tag}-static`, mode: 'isolated', subnet: testSubnet(env!, 21), dhcp: false });
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    if (!env) return;
    await removePoolSuite(virsh, { prefix: `ga${tag}`, pool: POOL, poolDir, imagesDir: env.images });
    if (agentGuest) await removeTinyGuest(agentGuest);
  });

  it("a deploy that ended before the guest's lease announces the address later: the one the guest took", async () => {
    const name = `ga${tag}-vm`;
    const { jobId } = await t.client.call('provisioning.deploy', {
      hostId: host.id,
      name,
      request: {
        os: { osinfoId: 'debian11', source: 'cloud-image' },
        hardware: { vcpus: 1, memoryMiB: 128, disks: [{ sizeGiB: 1 }], graphics: 'none', nics: [{ network: `ga${tag}-dhcp`, model: 'virtio' }] },
      },
    });
    const job = await waitForJobEnd(t, jobId, 120_000);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    const report = DeployReportSchema.parse(job.result);
    expect(report).toMatchObject({ address: null, addresses: [], addressNote: expect.stringMatching(/^Not known yet after 500 ms/) });

    const serial = join(env!.images, `${name}.serial.log`);
    const [, , printed] = await waitForSerial(serial, SERIAL.netAddress, 120_000);
    await vi.waitFor(() => expect(found.find((f) => f.uuid === report.uuid)).toBeDefined(), { timeout: 30_000, interval: 200 });
    const mac = await macOf(name);
    const lease: GuestAddress = { address: printed!, prefix: 24, family: 'ipv4', mac: mac!, interface: expect.stringMatching(/^vnet\d+$/) as unknown as string, source: 'lease' };
    expect(found.filter((f) => f.uuid === report.uuid)).toEqual([{ hostId: host.id, uuid: report.uuid, addresses: [lease] }]);
    expect(await t.client.call('vms.addresses', { hostId: host.id, uuid: report.uuid })).toEqual([lease]);
    expect(await virsh('net-dhcp-leases', `ga${tag}-dhcp`)).toMatch(new RegExp(`${mac}\\s+ipv4\\s+${printed!.replaceAll('.', '\\.')}/24\\s+${name}\\s`));
  }, 240_000);

  it('reads a fixed address on a network without DHCP through the guest agent; a stopped VM has none', async () => {
    const [a, b, c] = testSubnet(env!, 21).split('.');
    const staticIp = `${a}.${b}.${c}.77/24`;
    agentGuest = await createTinyGuest(env!, { name: `ga${tag}-agent`, agent: true, network: `ga${tag}-static`, staticIp, graphics: 'none' });
    await execFileAsync('sh', ['-c', `printf '%s' "$0" | virsh -c '${uri}' define /dev/stdin`, agentGuest.xml]);
    await virsh('start', agentGuest.name);
    await waitForSerial(agentGuest.serialLogPath, SERIAL.agentStarted, 90_000);
    expect((await waitForSerial(agentGuest.serialLogPath, SERIAL.netAddress, 30_000)).slice(1)).toEqual(['eth0', `${a}.${b}.${c}.77`, '24']);
    const ref = { hostId: host.id, uuid: agentGuest.uuid };
    const mac = await macOf(agentGuest.name);
    // The agent answers once qemu-ga has synced with libvirt; until then the VM has no address Tandem can know.
    await vi.waitFor(async () => expect(await t.client.call('vms.addresses', ref)).not.toEqual([]), { timeout: 30_000, interval: 500 });
    expect(await t.client.call('vms.addresses', ref)).toEqual([{ address: `${a}.${b}.${c}.77`, prefix: 24, family: 'ipv4', mac, interface: 'eth0', source: 'agent' }]);

    await virsh('destroy', agentGuest.name);
    expect(await t.client.call('vms.addresses', ref)).toEqual([]);
  }, 180_000);

  it('an unknown VM is NotFound', async () => {
    const error = await callError(t.client.call('vms.addresses', { hostId: host.id, uuid: '00000000-0000-4000-8000-000000000000' }));
    expect(error).toMatchObject({ errorName: 'NotFound' });
  });
});
