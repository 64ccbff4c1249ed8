/**
 * A real QEMU guest on a real libvirt daemon, driven only through the contract: it boots and prints its
 * marker, pauses and resumes (its counter stops and goes on), is destroyed (its counter stops for good),
 * and every state change reaches the client as an event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostSummary, VmSummary } from '../../../preload/contract';
import { callError, startInProcessTandem, type InProcessTandem } from '../../support/inProcessTandem';
import { testbedOrFail } from '../../support/requireTestbed';
import { removeContractGuest } from '../../testbed/contractGuest';
import { SERIAL, createTinyGuest, lastCounter, serialLogSize, waitForSerial, type TinyGuest } from '../../testbed/tinyGuest';

const env = testbedOrFail();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!env)('a tiny guest on a real libvirt host, through the contract', () => {
  let t: InProcessTandem;
  let host: HostSummary;
  let guest: TinyGuest;
  let vm: VmSummary;

  beforeAll(async () => {
    t = await startInProcessTandem({ demo: 'never' });
    host = await t.client.call('hosts.add', { uri: env!.host0Uri, name: 'testbed host0' });
    guest = await createTinyGuest(env!, { name: `it-lifecycle-${process.pid}`, id: `lifecycle-${process.pid}` });
  });

  afterAll(() => removeContractGuest(t, host, vm, guest));

  it('connects to the host by URI and reports QEMU', () => {
    expect(host).toMatchObject({ status: 'connected', hypervisor: expect.stringMatching(/^QEMU /) });
  });

  it('defines the guest from XML', async () => {
    vm = await t.client.call('vms.defineXml', { hostId: host.id, xml: guest.xml });
    expect(vm).toMatchObject({ name: guest.name, uuid: guest.uuid, state: 'shutoff', vcpus: 1, memoryKiB: 128 * 1024 });
    const detail = await t.client.call('vms.get', { hostId: host.id, uuid: vm.uuid });
    expect(detail).toMatchObject({ domainType: 'qemu', osType: 'hvm', disks: [expect.objectContaining({ target: 'vda', source: guest.diskPath })] });
  });

  it('starts it: the guest boots and prints its marker, and the client hears "running"', async () => {
    const running = t.nextEvent('vms.changed', (v) => v.uuid === vm.uuid && v.state === 'running');
    await t.client.call('vms.start', { hostId: host.id, uuid: vm.uuid });
    await expect(running).resolves.toMatchObject({ stateReason: 'booted' });
    const ready = await waitForSerial(guest.serialLogPath, SERIAL.ready, 60_000);
    expect(ready[1]).toBe(`lifecycle-${process.pid}`);
    await waitForSerial(guest.serialLogPath, /^tandem-counter 2$/m, 30_000);
  });

  it('pauses it (the counter stops) and resumes it (the counter goes on)', async () => {
    const paused = t.nextEvent('vms.changed', (v) => v.uuid === vm.uuid && v.state === 'paused');
    await t.client.call('vms.suspend', { hostId: host.id, uuid: vm.uuid });
    await paused;
    const atPause = await lastCounter(guest);
    await sleep(3000);
    const afterPause = await lastCounter(guest);
    // Resumed before asserting: a failed check must not leave the guest paused for the tests after this one.
    const resumed = t.nextEvent('vms.changed', (v) => v.uuid === vm.uuid && v.state === 'running');
    await t.client.call('vms.resume', { hostId: host.id, uuid: vm.uuid });
    await resumed;
    expect(afterPause).toBeLessThanOrEqual(atPause + 1); // a line may be in flight
    await waitForSerial(guest.serialLogPath, new RegExp(`^tandem-counter ${atPause + 3}$`, 'm'), 30_000);
  });

  it('refuses a resume of a running guest with a typed error and leaves it running', async () => {
    const error = await callError(t.client.call('vms.resume', { hostId: host.id, uuid: vm.uuid }));
    expect(error).toMatchObject({ errorName: 'Conflict', libvirt: { codeName: 'VIR_ERR_OPERATION_INVALID' } });
    expect((await t.client.call('vms.list', { hostId: host.id })).find((v) => v.uuid === vm.uuid)?.state).toBe('running');
  });

  it('destroys it: the client hears "shutoff" and the guest prints nothing more', async () => {
    const off = t.nextEvent('vms.changed', (v) => v.uuid === vm.uuid && v.state === 'shutoff');
    await t.client.call('vms.destroy', { hostId: host.id, uuid: vm.uuid });
    await expect(off).resolves.toMatchObject({ stateReason: 'destroyed' });
    const size = await serialLogSize(guest.serialLogPath);
    await sleep(2500);
    expect(await serialLogSize(guest.serialLogPath)).toBe(size);
  });

  it('kept the disk: the next boot reads the counter the last one wrote', async () => {
    const written = await lastCounter(guest);
    const offset = await serialLogSize(guest.serialLogPath);
    await t.client.call('vms.start', { hostId: host.id, uuid: vm.uuid });
    const disk = await waitForSerial(guest.serialLogPath, SERIAL.diskCounter, 60_000, { fromOffset: offset });
    await t.client.call('vms.destroy', { hostId: host.id, uuid: vm.uuid });
    // The guest prints each counter, then writes and syncs it: a power-off between the two leaves the one before.
    expect(Number(disk[1])).toBeGreaterThanOrEqual(written - 1);
    expect(Number(disk[1])).toBeLessThanOrEqual(written);
  });

  it('refuses XML the host rejects, leaving nothing defined', async () => {
    const before = (await t.client.call('vms.list', { hostId: host.id })).length;
    const bad = guest.xml.replace(/<name>[^<]*<\/name>/, '<name>it-bad</name>').replace(/<uuid>[^<]*<\/uuid>/, '').replace("type='qemu'", "type='nosuchhypervisor'").replace('type="qemu"', 'type="nosuchhypervisor"');
    const error = await callError(t.client.call('vms.defineXml', { hostId: host.id, xml: bad }));
    expect(['InvalidInput', 'OperationFailed', 'Unsupported']).toContain(error.errorName);
    expect(error.libvirt?.codeName).toMatch(/^VIR_ERR_/);
    expect((await t.client.call('vms.list', { hostId: host.id })).length).toBe(before);
  });

  it('undefines it: the client hears it is gone', async () => {
    const removed = t.nextEvent('vms.removed', (r) => r.uuid === vm.uuid);
    await t.client.call('vms.undefine', { hostId: host.id, uuid: vm.uuid });
    await removed;
    vm = undefined as unknown as VmSummary;
  });
});

describe.skipIf(!env)('the TCP hosts of the test bed', () => {
  it('are added by URI and report their own identity', async () => {
    const t = await startInProcessTandem({ demo: 'never' });
    try {
      const one = await t.client.call('hosts.add', { uri: env!.host1Uri });
      const two = await t.client.call('hosts.add', { uri: env!.host2Uri });
      expect([one.status, two.status]).toEqual(['connected', 'connected']);
      expect([one.name, two.name]).toEqual([new URL(env!.host1Uri).hostname, new URL(env!.host2Uri).hostname]);
      expect(one.hypervisor).toMatch(/^QEMU /);
    } finally {
      await t.stop();
    }
  });
});
