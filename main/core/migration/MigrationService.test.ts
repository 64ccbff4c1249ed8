/**
 * MigrationService's rules with scripted hosts and a scripted MigrationPort: which blockers and warnings the
 * check gives for which facts (the paths the test bed cannot produce: an incompatible CPU, too little memory,
 * a read-only disk missing), that a blocked start changes nothing, and how a job ends (report, cancel).
 * The libvirt side runs for real in test/integration/testbed/migration.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, OperationFailedError } from '../errors';
import { HostManager } from '../hosts/HostManager';
import { Inventory } from '../inventory/Inventory';
import { JobRegistry } from '../jobs/JobRegistry';
import { VmOperationLocks } from '../vmOperations/VmOperationLocks';
import { ScriptedDriver, ScriptedSession, vmRecord } from '../testing/scripted';
import type { CpuVerdict, MigrationPort, MigrationStats, MigrationWatch } from './MigrationPort';
import { MigrationService } from './MigrationService';
import type { MigrationSettings } from './migrationTypes';

const UUID = '11111111-2222-3333-4444-555555555555';
const SHARED: MigrationSettings = { mode: 'live', storage: 'shared', allowUnsafe: true };

const domainXml = (disks: string) => `<domain type="qemu"><name>web</name><uuid>${UUID}</uuid><devices>${disks}</devices></domain>`;
const DISK = `<disk type="file" device="disk"><driver name="qemu" type="qcow2" cache="none"/><source file="/images/web.qcow2"/><target dev="vda"/></disk>`;
const CDROM = `<disk type="file" device="cdrom"><source file="/isos/seed.iso"/><target dev="hdc"/><readonly/></disk>`;

class ScriptedPort implements MigrationPort {
  cpu: CpuVerdict = { result: 'identical', compared: 'guest-cpu' };
  free = new Map<string, number>();
  paths = new Map<string, Set<string>>();
  pools = new Set<string>();
  pathsError: Error | undefined;
  vmsThere: Awaited<ReturnType<MigrationPort['findVm']>> = {};
  migrations: Array<{ source: string; destination: string; settings: MigrationSettings }> = [];
  run: (watch: MigrationWatch) => Promise<MigrationStats> = async () => ({ downtimeMs: 42, timeElapsedMs: 900 });
  async compareCpu() {
    return this.cpu;
  }
  async freeMemoryBytes(hostId: string) {
    return this.free.get(hostId) ?? 0;
  }
  async storagePathsExist(hostId: string, paths: string[]) {
    if (this.pathsError) throw this.pathsError;
    return paths.map((path) => this.paths.get(hostId)?.has(path) ?? false);
  }
  async poolOverFolder(_hostId: string, folder: string) {
    return this.pools.has(folder);
  }
  async findVm() {
    return this.vmsThere;
  }
  async migrate(source: { hostId: string }, destination: { hostId: string }, settings: MigrationSettings, watch: MigrationWatch) {
    this.migrations.push({ source: source.hostId, destination: destination.hostId, settings });
    return this.run(watch);
  }
}

describe('MigrationService', () => {
  let hosts: HostManager;
  let inventory: Inventory;
  let port: ScriptedPort;
  let jobs: JobRegistry;
  let service: MigrationService;
  let source: ScriptedSession;
  let h1: string;
  let h2: string;

  beforeEach(async () => {
    const driver = new ScriptedDriver();
    source = new ScriptedSession();
    source.vms.set(UUID, { ...vmRecord(UUID, 'web'), memoryKiB: 512 * 1024 });
    source.vmXml.set(UUID, domainXml(DISK));
    driver.outcomes.push(source, new ScriptedSession());
    hosts = new HostManager({ drivers: [driver] });
    h1 = hosts.register({ uri: 'qemu+tcp://10.0.0.1/system', name: 'one', kind: 'libvirt', persisted: false }).id;
    h2 = hosts.register({ uri: 'qemu+tcp://10.0.0.2/system', name: 'two', kind: 'libvirt', persisted: false }).id;
    inventory = new Inventory(hosts);
    await inventory.ready();
    port = new ScriptedPort();
    port.free.set(h2, 4096 * 1024 * 1024);
    port.paths.set(h2, new Set(['/images/web.qcow2']));
    jobs = new JobRegistry();
    service = new MigrationService({ hosts, inventory, port, jobs });
  });
  afterEach(async () => {
    inventory.dispose();
    await hosts.dispose();
  });

  it('passes when every fact fits', async () => {
    expect(await service.check(h1, UUID, h2, SHARED)).toEqual({ ok: true, blockers: [], warnings: [] });
  });

  it('explains an incompatible CPU, too little memory and a missing disk, each as its own blocker', async () => {
    port.cpu = { result: 'incompatible', compared: 'guest-cpu', explanation: 'Host CPU does not provide required features: avx512f' };
    port.free.set(h2, 100 * 1024 * 1024);
    port.paths.set(h2, new Set());
    const check = await service.check(h1, UUID, h2, SHARED);
    expect(check.ok).toBe(false);
    expect(check.blockers).toEqual([
      { code: 'cpu.incompatible', message: 'two cannot provide the CPU model "web" is defined with: Host CPU does not provide required features: avx512f.' },
      { code: 'memory.insufficient', message: 'two has 100 MiB free; "web" needs 512 MiB.' },
      { code: 'storage.missing', message: 'Disk vda (/images/web.qcow2) does not exist on two: choose "copy storage", or put the disk on storage both hosts see.' },
    ]);
  });

  it('copying storage lifts the missing-disk blocker, but not for a read-only CD-ROM', async () => {
    source.vmXml.set(UUID, domainXml(DISK + CDROM));
    port.paths.set(h2, new Set());
    const noPool = await service.check(h1, UUID, h2, { ...SHARED, storage: 'copy-all' });
    expect(noPool.blockers.map((b) => b.code)).toEqual(['storage.no-pool-for-copy', 'storage.missing']);
    expect(noPool.blockers[0]!.message).toBe(
      'To copy disk vda, libvirt creates /images/web.qcow2 on two in a storage pool over /images, and two has none: define and start one there (or put the disk on storage both hosts see).',
    );
    port.pools.add('/images');
    const check = await service.check(h1, UUID, h2, { ...SHARED, storage: 'copy-all' });
    expect(check.blockers.map((b) => b.code)).toEqual(['storage.missing']);
    expect(check.blockers[0]!.message).toMatch(/^CD-ROM hdc \(\/isos\/seed.iso\) does not exist on two, and libvirt does not copy read-only/);
  });

  it('a destination folder under a stopped pool (no look-up possible there) is a blocker, not a failed check', async () => {
    const why = 'Storage pool "images" covers /images but is not started, so libvirt cannot look for the disks there: start it (virsh pool-start images).';
    port.pathsError = new ConflictError('storage.pool-inactive', why);
    const check = await service.check(h1, UUID, h2, SHARED);
    expect(check).toMatchObject({ ok: false, blockers: [{ code: 'storage.pool-inactive', message: `two: ${why}` }] });
    port.pathsError = new OperationFailedError('libvirt.VIR_ERR_OPERATION_FAILED', 'something else');
    await expect(service.check(h1, UUID, h2, SHARED)).rejects.toMatchObject({ code: 'libvirt.VIR_ERR_OPERATION_FAILED' });
  });

  it('a stopped VM: live is refused, offline passes; a superset host CPU and a stale definition are warnings', async () => {
    source.vms.set(UUID, { ...vmRecord(UUID, 'web', 'shutoff'), memoryKiB: 512 * 1024 });
    await inventory.refresh(h1, UUID);
    expect((await service.check(h1, UUID, h2, SHARED)).blockers.map((b) => b.code)).toEqual(['vm.not-running']);
    port.cpu = { result: 'superset', compared: 'source-host-cpu' };
    port.vmsThere = { byName: { uuid: UUID }, byUuid: { name: 'web', active: false } };
    const offline = await service.check(h1, UUID, h2, { ...SHARED, mode: 'offline' });
    expect(offline.ok).toBe(true);
    expect(offline.warnings.map((w) => w.code)).toEqual(['cpu.superset', 'vm.definition-replaced']);
  });

  it('a blocked start is one Conflict listing the blockers, and nothing runs', async () => {
    port.vmsThere = { byName: { uuid: '99999999-2222-3333-4444-555555555555' } };
    await expect(service.start(h1, UUID, h2, SHARED)).rejects.toMatchObject({
      kind: 'Conflict',
      code: 'migration.blocked',
      message: 'Cannot migrate web: two already has another VM named "web" (UUID 99999999-2222-3333-4444-555555555555).',
    });
    expect(port.migrations).toEqual([]);
    expect(jobs.list()).toEqual([]);
  });

  it('runs as a job: progress from the samples, then the report', async () => {
    port.run = async ({ onSample }) => {
      onSample({ iteration: 1, dataProcessed: 25, dataRemaining: 75, dataTotal: 100, dirtyRate: 4096 });
      return { downtimeMs: 42, timeElapsedMs: 900, dataTransferred: 100, iterations: 2 };
    };
    const progress: unknown[] = [];
    jobs.jobChanged.on((j) => progress.push(j.progress));
    const job = await service.start(h1, UUID, h2, { ...SHARED, bandwidthMiBs: 512 });
    const done = await jobs.wait(job.id);
    expect(progress).toContainEqual({ phase: 'copying memory', fraction: 0.25, figures: { iteration: 1, dataProcessed: 25, dataRemaining: 75, dataTotal: 100, dirtyRate: 4096 } });
    expect(done).toMatchObject({
      state: 'succeeded',
      title: 'Migrate web from one to two',
      result: { vmName: 'web', sourceHostId: h1, destinationHostId: h2, downtimeMs: 42, hypervisorTimeMs: 900, dataTransferred: 100, iterations: 2 },
    });
    expect(port.migrations[0]!.settings.bandwidthMiBs).toBe(512);
  });

  it('the total time ends when the VM runs on the destination, not when the port has finished waiting for figures', async () => {
    let clock = 0;
    service = new MigrationService({ hosts, inventory, port, jobs, now: () => clock });
    port.run = async ({ onArrived }) => {
      clock = 1200;
      onArrived(); // the migration call returned
      clock = 6200; // e.g. waiting in vain for the job-completed event
      return { downtimeMs: 42 };
    };
    const job = await service.start(h1, UUID, h2, SHARED);
    expect((await jobs.wait(job.id)).result).toMatchObject({ totalTimeMs: 1200, downtimeMs: 42 });
  });

  it('cancel: the port is aborted, the job ends cancelled saying the VM stays', async () => {
    port.run = ({ signal }) =>
      new Promise((_, reject) => signal.addEventListener('abort', () => reject(new OperationFailedError('libvirt.VIR_ERR_OPERATION_ABORTED', 'operation aborted'))));
    const job = await service.start(h1, UUID, h2, SHARED);
    await new Promise((r) => setTimeout(r, 0));
    jobs.cancel(job.id);
    expect(await jobs.wait(job.id)).toMatchObject({ state: 'cancelled', error: { code: 'migration.cancelled', message: 'Migration of web cancelled: it stays on one' } });
  });

  it('shares the per-VM lock with checkpoints: refused while one runs (a blocker and a Conflict), holds the VM until the job ends', async () => {
    const locks = new VmOperationLocks();
    service = new MigrationService({ hosts, inventory, port, jobs, locks });
    const checkpoint = locks.acquire({ hostId: h1, uuid: UUID }, 'checkpoint take');
    expect((await service.check(h1, UUID, h2, SHARED)).blockers).toEqual([{ code: 'vm.busy', message: 'A checkpoint take is running on "web": migrate it once that has ended.' }]);
    await expect(service.start(h1, UUID, h2, SHARED)).rejects.toMatchObject({ code: 'migration.blocked', message: /checkpoint take is running/ });
    checkpoint.release();

    let finish!: () => void;
    port.run = () => new Promise((resolve) => (finish = () => resolve({})));
    const job = await service.start(h1, UUID, h2, SHARED);
    expect(locks.tryAcquire({ hostId: h1, uuid: UUID }, 'checkpoint take')).toBeUndefined();
    expect(locks.holder({ hostId: h1, uuid: UUID })).toBe('migration to two');
    await new Promise((r) => setTimeout(r, 0));
    finish();
    expect((await jobs.wait(job.id)).state).toBe('succeeded');
    expect(locks.holder({ hostId: h1, uuid: UUID })).toBeUndefined();

    port.run = async () => {
      throw new OperationFailedError('libvirt.VIR_ERR_OPERATION_FAILED', 'refused');
    };
    const failed = await service.start(h1, UUID, h2, SHARED);
    expect((await jobs.wait(failed.id)).state).toBe('failed');
    expect(locks.holder({ hostId: h1, uuid: UUID })).toBeUndefined();
  });

  it('refuses to move a VM whose interrupted checkpoint operation is not settled yet', async () => {
    let pending: string | undefined = 'take at switched';
    service = new MigrationService({ hosts, inventory, port, jobs, pendingCheckpointWork: async (vm) => (vm.uuid === UUID && vm.hostId === h1 ? pending : undefined) });
    const check = await service.check(h1, UUID, h2, SHARED);
    expect(check.blockers).toEqual([{ code: 'vm.checkpoint-recovery-pending', message: expect.stringMatching(/\(take at switched\) is not settled yet: Tandem settles it when one answers again/) }]);
    await expect(service.start(h1, UUID, h2, SHARED)).rejects.toMatchObject({ code: 'migration.blocked' });
    expect(port.migrations).toEqual([]);
    pending = undefined;
    expect((await service.check(h1, UUID, h2, SHARED)).ok).toBe(true);
  });

  it('refuses a VM whose checkpoint operation was interrupted after the check passed (settled under the lock, not only by the check)', async () => {
    // The check's look at the journal and the lock are apart: a checkpoint take may run and fail between
    // them (the check awaits CPU, memory and storage answers), or while an evacuation moves the VMs before it.
    const pending = 'take at snapshotted';
    let looks = 0;
    const locks = new VmOperationLocks();
    service = new MigrationService({
      hosts,
      inventory,
      port,
      jobs,
      locks,
      pendingCheckpointWork: async () => (looks++ === 0 ? undefined : pending),
    });
    await expect(service.start(h1, UUID, h2, SHARED)).rejects.toMatchObject({
      code: 'migration.blocked',
      details: { blockers: [{ code: 'vm.checkpoint-recovery-pending', message: expect.stringContaining('(take at snapshotted)') }] },
    });
    expect(locks.holder({ hostId: h1, uuid: UUID })).toBeUndefined();
    expect(jobs.list()).toEqual([]);

    looks = 0;
    const { job } = await service.evacuate(h1, SHARED);
    expect(await jobs.wait(job.id)).toMatchObject({
      state: 'failed',
      error: { code: 'evacuate.incomplete', message: expect.stringContaining('(take at snapshotted) is not settled yet') },
    });
    expect(port.migrations).toEqual([]);
    expect(locks.holder({ hostId: h1, uuid: UUID })).toBeUndefined();
  });

  it('holds the VM on the destination too while it moves in (a checkpoint tree kept there from an earlier stay must not be reverted under it)', async () => {
    const locks = new VmOperationLocks();
    service = new MigrationService({ hosts, inventory, port, jobs, locks });
    let finish!: () => void;
    port.run = () => new Promise((resolve) => (finish = () => resolve({})));
    const job = await service.start(h1, UUID, h2, SHARED);
    expect(() => locks.acquire({ hostId: h2, uuid: UUID }, 'checkpoint revert')).toThrow(/migration from one is running/);
    await new Promise((r) => setTimeout(r, 0));
    finish();
    expect((await jobs.wait(job.id)).state).toBe('succeeded');
    expect(locks.holder({ hostId: h2, uuid: UUID })).toBeUndefined();

    // Busy on the destination: refused, and the source's lock is not kept.
    const there = locks.acquire({ hostId: h2, uuid: UUID }, 'checkpoint delete');
    expect((await service.check(h1, UUID, h2, SHARED)).blockers).toEqual([{ code: 'vm.busy', message: 'A checkpoint delete is running on "web" on two: migrate it once that has ended.' }]);
    await expect(service.start(h1, UUID, h2, SHARED)).rejects.toMatchObject({ code: 'migration.blocked' });
    expect(locks.holder({ hostId: h1, uuid: UUID })).toBeUndefined();
    there.release();
  });

  it('evacuation refuses, with nothing started, when no VM can go anywhere', async () => {
    port.free.set(h2, 0);
    await expect(service.evacuate(h1, SHARED)).rejects.toMatchObject({ code: 'evacuate.blocked', message: expect.stringContaining('web: two has too little free memory') });
    expect(jobs.list()).toEqual([]);
  });
});
