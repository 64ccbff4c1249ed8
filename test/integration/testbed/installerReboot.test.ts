/**
 * The installer's first reboot on the test bed, through the contract, as virt-install handles it. The tiny
 * guest's installer ISO that reboots itself right after its READY line (tandem-install-reboots.iso, as an
 * installer's last step) is deployed on host1: the VM runs once on the installer's configuration (the ISO
 * booted first, on_reboot destroy), its reboot stops it, and Tandem starts it again on its final one. That is
 * seen in the serial log (SeaBIOS prints what it boots there, the deploy asks it to): the CD booted once, the
 * installer ran once, then the firmware tried the (empty) disk, "No bootable device.", and the CD was never
 * booted again; and in the live XML (disk boot only, the drive ejected, a reboot restarts). A VM the user shuts
 * down (Tandem's "Shut down": an ACPI power-off) is left off, and the watch survives a restart of Tandem.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainXml } from '../../../main/core/inventory/DomainXml';
import type { InstallerOutcome } from '../../../main/core/provisioning/install/InstallerRebootWatch';
import type { DeployRequestInput } from '../../../preload/api/deploy';
import type { HostSummary } from '../../../preload/contract';
import { startInProcessTandem, waitForJobEnd, type InProcessTandem } from '../../support/inProcessTandem';
import { testbedOrFail } from '../../support/requireTestbed';
import { SERIAL, plainSerial, tinyGuestDeployOptions, waitForSerial } from '../../testbed/tinyGuest';

const env = testbedOrFail();
const execFileAsync = promisify(execFile);
const tag = randomBytes(3).toString('hex');
const POOL = `reboot-isos-${tag}`;
const REBOOTS = 'installer-reboots.iso';
const STAYS = 'installer.iso';
const SEABIOS_CD = /^Booting from DVD\/CD\.\.\.$/m;
const SEABIOS_DISK = /^Booting from Hard Disk\.\.\.$/m;
const NO_BOOT_DEVICE = /^No bootable device\.?/m;
const MARK = 'https://tandem.dev/xmlns/installer/1';

const count = (text: string, pattern: RegExp) => text.match(new RegExp(pattern.source, 'gm'))?.length ?? 0;

describe.skipIf(!env)("the installer's first reboot on the test bed", () => {
  let t: InProcessTandem;
  let host1: HostSummary;
  const poolDir = join(env?.images ?? '', `reboot-pool-${tag}`);
  const digests = new Map<string, string>();
  const virsh = async (...args: string[]) => (await execFileAsync('virsh', ['-c', env!.host1Uri, ...args])).stdout;
  const digest = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');
  const serialOf = (name: string) => join(env!.images, `${name}.serial.log`);
  const serial = async (name: string) => plainSerial(await readFile(serialOf(name), 'utf8'));

  async function startTandem(): Promise<void> {
    t = await startInProcessTandem({ demo: 'never', ...tinyGuestDeployOptions(env!) });
    host1 = await t.client.call('hosts.add', { uri: env!.host1Uri, name: 'testbed host1' });
    await t.tandem.installerReboots.whenFollowing(host1.id);
  }

  function nextOutcome(uuid: string, timeoutMs = 120_000): Promise<InstallerOutcome> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no decision of the installer reboot watch')), timeoutMs);
      const off = t.tandem.installerReboots.decided.on((o) => {
        if (o.uuid !== uuid) return;
        clearTimeout(timer);
        off.dispose();
        resolve(o);
      });
    });
  }

  async function deploy(name: string, iso: string): Promise<{ uuid: string; firstId: string }> {
    const input = {
      hostId: host1.id,
      name,
      storagePool: POOL,
      request: {
        os: { osinfoId: 'debian8', source: 'install-media', installMedia: { kind: 'volume', pool: POOL, volume: iso } },
        hardware: { vcpus: 1, memoryMiB: 128, disks: [{ sizeGiB: 1 }], graphics: 'vnc' },
      },
    } as DeployRequestInput;
    const { jobId } = await t.client.call('provisioning.deploy', input);
    const job = await waitForJobEnd(t, jobId, 120_000);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    const uuid = (job.result as { uuid: string }).uuid;
    return { uuid, firstId: (await virsh('domid', name)).trim() };
  }

  async function removeVm(name: string): Promise<void> {
    await virsh('destroy', name).catch(() => undefined);
    await virsh('undefine', name).catch(() => undefined);
    await virsh('vol-delete', '--pool', POOL, `${name}-disk0.qcow2`).catch(() => undefined);
    await rm(serialOf(name), { force: true });
  }

  beforeAll(async () => {
    expect(env!.installRebootIso, 'the test bed predates the rebooting installer ISO: npm run testbed -- down; npm run testbed').toBeDefined();
    await mkdir(poolDir, { recursive: true });
    for (const [file, source] of [
      [REBOOTS, env!.installRebootIso!],
      [STAYS, env!.installIso!],
    ] as const) {
      await copyFile(source, join(poolDir, file));
      digests.set(file, await digest(source));
    }
    await virsh('pool-create-as', POOL, 'dir', '--target', poolDir);
    await startTandem();
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    if (!env) return;
    for (const name of (await virsh('list', '--all', '--name')).split('\n').map((s) => s.trim())) {
      if (name.startsWith(`r${tag}`)) await removeVm(name);
    }
    await virsh('pool-destroy', POOL).catch(() => undefined);
    await rm(poolDir, { recursive: true, force: true });
  });

  it('restarts the VM on its final configuration when the installer reboots: the ISO is booted once, then the disk', async () => {
    const name = `r${tag}-reboots`;
    // The deploy's job ends once the VM is started, seconds before its installer can reboot.
    const { uuid, firstId } = await deploy(name, REBOOTS);
    const decided = nextOutcome(uuid);

    // The installer's run: the CD booted, the installer ran and rebooted.
    await waitForSerial(serialOf(name), SERIAL.then, 90_000);
    const outcome = await decided;
    expect(outcome).toMatchObject({ outcome: 'restarted', why: expect.stringContaining('QEMU: guest-reset') });

    // The final configuration: SeaBIOS tries the empty disk and finds nothing to boot.
    await waitForSerial(serialOf(name), NO_BOOT_DEVICE, 60_000);
    const live = DomainXml.parse(await virsh('dumpxml', name));
    expect(live.bootOrder).toEqual(['hd']);
    expect(live.disks.find((d) => d.device === 'cdrom')).toMatchObject({ readonly: true });
    expect(live.disks.find((d) => d.device === 'cdrom')?.source).toBeUndefined();
    const liveXml = await virsh('dumpxml', name);
    expect(liveXml).toMatch(/<on_reboot>restart<\/on_reboot>/);
    expect((await virsh('domid', name)).trim()).not.toBe(firstId);
    expect(await virsh('domstate', name)).toMatch(/running/);
    // Restarted once: the mark is gone from the definition.
    expect(await virsh('dumpxml', '--inactive', name)).not.toContain(MARK);

    // Long enough for a second boot of the CD, had there been one (the first took a few seconds).
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    const log = await serial(name);
    expect(count(log, SEABIOS_CD), log).toBe(1);
    expect(count(log, /^TANDEM-GUEST-READY id=installer$/), log).toBe(1);
    expect(count(log, SERIAL.then), log).toBe(1);
    // The CD's boot loader (its banner, on serial and mirrored from the screen) ran only before the installer rebooted.
    expect(log.search(SEABIOS_DISK)).toBeGreaterThan(log.search(SERIAL.then));
    expect(log.lastIndexOf('ISOLINUX')).toBeLessThan(log.search(SERIAL.then));
    await removeVm(name);
    expect(await digest(join(poolDir, REBOOTS))).toBe(digests.get(REBOOTS));
  }, 240_000);

  it("leaves off a VM the user shuts down during the install (Tandem's Shut down: QEMU says guest-shutdown)", async () => {
    const name = `r${tag}-shutdown`;
    const { uuid } = await deploy(name, STAYS);
    await waitForSerial(serialOf(name), /^TANDEM-GUEST-READY id=installer$/m, 90_000);
    const decided = nextOutcome(uuid);
    await t.client.call('vms.shutdown', { hostId: host1.id, uuid });
    expect(await decided).toMatchObject({ outcome: 'left-off', why: expect.stringContaining('QEMU: guest-shutdown') });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await virsh('domstate', name)).toMatch(/shut off/);
    expect(await virsh('dumpxml', '--inactive', name)).not.toContain(MARK);
    expect(count(await serial(name), SERIAL.poweroff)).toBe(1);
    await removeVm(name);
    expect(await digest(join(poolDir, STAYS))).toBe(digests.get(STAYS));
  }, 180_000);

  it('the watch survives a restart of Tandem: the installer that reboots under the next Tandem is restarted by it', async () => {
    const name = `r${tag}-restart`;
    const { uuid } = await deploy(name, REBOOTS);
    // Held before its installer can reboot, while this Tandem stops and another one starts.
    await virsh('suspend', name);
    await t.stop();
    await startTandem();
    const decided = nextOutcome(uuid);
    await virsh('resume', name);
    expect(await decided).toMatchObject({ outcome: 'restarted' });
    await waitForSerial(serialOf(name), NO_BOOT_DEVICE, 60_000);
    expect(DomainXml.parse(await virsh('dumpxml', name)).bootOrder).toEqual(['hd']);
    const log = await serial(name);
    expect(count(log, SEABIOS_CD), log).toBe(1);
    expect(log.lastIndexOf('ISOLINUX')).toBeLessThan(log.search(SEABIOS_DISK));
    await removeVm(name);
  }, 240_000);
});
