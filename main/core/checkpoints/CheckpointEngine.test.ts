/**
 * The engine's decisions with scripted ports (the real thing runs on the test bed: test/integration/testbed/
 * checkpoint*.test.ts): typed refusals that leave nothing behind, the rollback of a failed take, and the
 * background snapshot's case of disks switched before the memory is written.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConflictError, HostUnreachableError, InvalidInputError, NotFoundError, OperationFailedError, UnsupportedError, type TandemError } from '../errors';
import { JobRegistry, type JobSnapshot } from '../jobs/JobRegistry';
import { CheckpointEngine, REMOTE_HOST_REASON } from './CheckpointEngine';
import { CheckpointJobs } from './CheckpointJobs';
import { VmOperationLocks } from '../vmOperations/VmOperationLocks';
import { PlainMemoryStateStore } from './PlainMemoryStateStore';
import type { BlockJobSpec, CheckpointHypervisor, DiskImages, MemoryMethodChoice, MemoryStateStore, SnapshotRequest, VmStatus } from './ports';

const VM = { hostId: 'h', uuid: '7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100001' };
const xmlWith = (source: string, tpm = false) =>
  `<domain><name>vm1</name><devices><disk type='file' device='disk'><driver type='qcow2'/><source file='${source}'/><target dev='vda'/></disk>${tpm ? "<tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>" : ''}</devices></domain>`;

class ScriptedHypervisor implements CheckpointHypervisor {
  state: VmStatus['state'] = 'running';
  persistent = true;
  source = '/img/base.qcow2';
  failSnapshot: Error | undefined;
  /** A background snapshot whose memory write fails after the disks switched. */
  failMemoryAfterSwitch: Error | undefined;
  failRestore: Error | undefined;
  startingUp = false;
  /** The VM has an emulated TPM; reading its state fails with this error when set. */
  tpm = false;
  failTpmRead: Error | undefined;
  /** The host's daemon is gone: every call fails as libvirt's would on a closed connection. */
  gone = false;
  /** Runs once destroy() stopped the VM (a daemon dying right then). */
  afterDestroy: (() => void) | undefined;
  choice: MemoryMethodChoice = { method: 'live-snapshot', fallbackReason: 'scripted' };
  settled: 'completed' | 'incomplete' = 'incomplete';
  /** The host's files are this machine's (false: a host on another machine; undefined: it cannot be asked, not connected). */
  local: boolean | undefined = true;
  calls: string[] = [];
  private answer(): void {
    if (this.gone) throw new HostUnreachableError('libvirt.VIR_ERR_INTERNAL_ERROR', 'client socket is closed');
  }
  // Known per connection (the driver asks libvirt once): a daemon gone later does not change the answer.
  async filesAreLocal() {
    if (this.local === undefined) throw new HostUnreachableError('host.not-connected', 'Host "h" is not connected');
    return this.local;
  }
  async assertSupported() {}
  async status(): Promise<VmStatus> {
    this.answer();
    return { state: this.state, pausedBySnapshotOrSave: false, startingUp: this.startingUp, persistent: this.persistent };
  }
  async domainXml(): Promise<string> {
    this.answer();
    return xmlWith(this.source, this.tpm);
  }
  async agentAnswers(): Promise<boolean> {
    return false;
  }
  async memoryMethod() {
    return this.choice;
  }
  async snapshot(_vm: unknown, request: SnapshotRequest) {
    this.calls.push(`snapshot ${request.overlays.map((o) => o.overlay).join()}${request.memoryMethod ? ` ${request.memoryMethod}` : ''}`);
    if (this.failSnapshot) throw this.failSnapshot;
    if (request.memoryFile) await writeFile(request.memoryFile, request.memoryMethod === 'background-snapshot' ? 'header only' : 'libvirt save image');
    this.source = request.overlays[0]!.overlay;
    if (this.failMemoryAfterSwitch) throw this.failMemoryAfterSwitch;
    return { stunMs: 12, wallMs: 30, memoryMethod: request.memoryFile ? (request.memoryMethod ?? 'live-snapshot') : null };
  }
  async settleBackgroundSnapshot(_vm: unknown, snapshot: { name: string; memoryFile: string }) {
    this.calls.push(`settle ${snapshot.name}`);
    return this.settled;
  }
  async resume() {}
  async destroy() {
    this.answer();
    this.state = 'shutoff';
    this.afterDestroy?.();
  }
  async define(_vm: unknown, xml: string) {
    this.answer();
    this.source = /source file=["']([^"']+)["']/.exec(xml)![1]!;
  }
  async restore(_vm: unknown, _file: string, xml: string) {
    this.answer();
    if (this.failRestore) throw this.failRestore;
    this.calls.push('restore');
    this.source = /source file=["']([^"']+)["']/.exec(xml)![1]!;
    this.state = 'running';
  }
  async start() {}
  async blockJob(_vm: unknown, job: BlockJobSpec) {
    this.calls.push(`job ${job.kind}`);
    // An active commit pivots the disk onto its base.
    if (job.kind === 'active-commit') this.source = job.base;
  }
  async diskChain(_vm?: unknown, _target?: string) {
    return [this.source];
  }
  async hasBlockJob() {
    return false;
  }
  async readTpmState() {
    this.calls.push('read tpm');
    if (this.failTpmRead) throw this.failTpmRead;
    return this.tpm ? [{ name: 'tpm2-00.permall', data: Buffer.from('tpm') }] : null;
  }
  async writeTpmState() {
    return false;
  }
}

/** `port` with every method call's name recorded in `calls` (what a refusal must not reach). */
function recorded<T extends object>(port: T, calls: string[]): T {
  return new Proxy(port, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(prop));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** Two disks (vda, vdb), each switched and merged back on its own; a block job on one disk can be made to fail. */
class TwoDiskHypervisor extends ScriptedHypervisor {
  sources = new Map([
    ['vda', '/img/base.qcow2'],
    ['vdb', '/img/data.qcow2'],
  ]);
  failJobOn: string | undefined;
  /** libvirt creates a running VM's overlays itself. */
  constructor(private readonly images: ScriptedImages) {
    super();
  }
  override async domainXml(): Promise<string> {
    const disk = (target: string) => `<disk type='file' device='disk'><driver type='qcow2'/><source file='${this.sources.get(target)}'/><target dev='${target}'/></disk>`;
    return `<domain><name>vm1</name><devices>${disk('vda')}${disk('vdb')}${this.tpm ? "<tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>" : ''}</devices></domain>`;
  }
  override async snapshot(_vm: unknown, request: SnapshotRequest) {
    this.calls.push(`snapshot ${request.overlays.map((o) => o.overlay).join()}`);
    for (const o of request.overlays) {
      this.sources.set(o.target, o.overlay);
      this.images.files.add(o.overlay);
    }
    return { stunMs: 12, wallMs: 30, memoryMethod: null };
  }
  override async define(_vm: unknown, xml: string) {
    for (const [, source, target] of xml.matchAll(/<source file=["']([^"']+)["']\/><target dev=["']([^"']+)["']/g)) this.sources.set(target!, source!);
  }
  override async blockJob(_vm: unknown, job: BlockJobSpec) {
    this.calls.push(`job ${job.kind} ${job.target}`);
    if (job.target === this.failJobOn) throw new OperationFailedError('libvirt.VIR_ERR_OPERATION_FAILED', `block job on ${job.target} failed`);
    if (job.kind === 'active-commit') this.sources.set(job.target, job.base);
  }
  override async diskChain(_vm: unknown, target: string) {
    return [this.sources.get(target)!];
  }
}

class ScriptedImages implements DiskImages {
  files = new Set<string>(['/img/base.qcow2']);
  async exists(path: string) {
    return this.files.has(path);
  }
  async createOverlay(path: string) {
    this.files.add(path);
  }
  async backingOf() {
    return null;
  }
  async sizeOnDisk() {
    return 0;
  }
  committed: string[] = [];
  async commit(top: string) {
    this.committed.push(top);
  }
  async rebase() {}
  async relink() {}
  async flattenCopy(_s: string, dest: string) {
    this.files.add(dest);
  }
  async remove(path: string) {
    this.files.delete(path);
  }
  async rename(from: string, to: string) {
    this.files.delete(from);
    this.files.add(to);
  }
  async ensureFolder() {}
}

describe('checkpoint engine (scripted ports)', () => {
  let dataDir: string;
  let hypervisor: ScriptedHypervisor;
  let images: ScriptedImages;
  let engine: CheckpointEngine;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tandem-ckpt-unit-'));
    hypervisor = new ScriptedHypervisor();
    images = new ScriptedImages();
    const memory = new PlainMemoryStateStore();
    memory.targetFor = (_folder, id) => join(dataDir, `${id}.mem`);
    engine = new CheckpointEngine({ hypervisor, images, memory, dataDir });
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses an empty name, a paused VM and an unknown checkpoint with typed errors', async () => {
    await expect(engine.take(VM, { name: '  ' })).rejects.toBeInstanceOf(InvalidInputError);
    hypervisor.state = 'paused';
    await expect(engine.take(VM, { name: 'x' })).rejects.toBeInstanceOf(ConflictError);
    await expect(engine.revert(VM, 'nope')).rejects.toBeInstanceOf(NotFoundError);
    hypervisor.state = 'running';
    hypervisor.persistent = false;
    await expect(engine.take(VM, { name: 'x' })).rejects.toMatchObject({ code: 'checkpoint.transient-vm' });
    hypervisor.persistent = true;
    await engine.take(VM, { name: 'a', diskOnly: true });
    await expect(engine.delete(VM, 'nope')).rejects.toMatchObject({ code: 'checkpoint.not-found' });
    expect(hypervisor.calls).toHaveLength(1);
  });

  describe("a VM on another machine's host", () => {
    /** Every call the engine makes on its ports, from the refusal on. */
    let calls: { hypervisor: string[]; images: string[]; memory: string[] };
    let watched: CheckpointEngine;
    const journal = () => readdir(join(dataDir, 'checkpoints', 'journal')).catch(() => []);
    const treeFile = () => readFile(join(dataDir, 'checkpoints', 'trees', VM.hostId, `${VM.uuid}.json`), 'utf8').catch(() => null);

    beforeEach(() => {
      calls = { hypervisor: [], images: [], memory: [] };
      const memory: MemoryStateStore = new PlainMemoryStateStore();
      memory.targetFor = (_folder, id) => join(dataDir, `${id}.mem`);
      watched = new CheckpointEngine({
        hypervisor: recorded(hypervisor, calls.hypervisor),
        images: recorded(images, calls.images),
        memory: recorded(memory, calls.memory),
        dataDir,
      });
    });

    it('refuses take / revert / delete / commit before anything is read, journaled or changed', async () => {
      const a = await watched.take(VM, { name: 'a' });
      const before = { tree: await treeFile(), files: [...images.files], source: hypervisor.source, state: hypervisor.state };
      expect(before.tree).not.toBeNull();
      hypervisor.local = false;
      calls.hypervisor.length = calls.images.length = calls.memory.length = 0;
      const refusals = [
        watched.take(VM, { name: 'b' }),
        watched.take(VM, { name: 'c', diskOnly: true }),
        watched.revert(VM, a.id),
        watched.delete(VM, a.id),
        watched.commit(VM, { mode: 'fold' }),
        watched.commit(VM, { mode: 'copy' }),
      ];
      for (const refusal of refusals) {
        const error = await refusal.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(UnsupportedError);
        expect(error).toMatchObject({ code: 'checkpoint.remote-host', message: REMOTE_HOST_REASON, details: { hostId: VM.hostId, uuid: VM.uuid } });
      }
      expect(REMOTE_HOST_REASON).toMatch(/another machine.*this machine's hosts/);
      // Asked where the files are, nothing else: no libvirt call, no file read or written, no journal entry.
      expect(new Set(calls.hypervisor)).toEqual(new Set(['filesAreLocal']));
      expect(calls.images).toEqual([]);
      expect(calls.memory).toEqual([]);
      expect(await journal()).toEqual([]);
      expect({ tree: await treeFile(), files: [...images.files], source: hypervisor.source, state: hypervisor.state }).toEqual(before);
    });

    it('refuses the first take of a VM without creating its tree or folder', async () => {
      hypervisor.local = false;
      await expect(watched.take(VM, { name: 'a' })).rejects.toMatchObject({ code: 'checkpoint.remote-host' });
      expect(calls.hypervisor).toEqual(['filesAreLocal']);
      expect(calls.images).toEqual([]);
      expect(await treeFile()).toBeNull();
      expect(await readdir(dataDir)).toEqual([]);
    });

    it('lists the tree without reading a file: sizes unknown, the reason given', async () => {
      await watched.take(VM, { name: 'a' });
      expect((await watched.list(VM)).checkpoints[0]!.sizeBytes).toBeGreaterThan(0);
      hypervisor.local = false;
      calls.images.length = calls.memory.length = 0;
      const tree = await watched.list(VM);
      expect(tree).toMatchObject({ unavailableReason: REMOTE_HOST_REASON, checkpoints: [{ name: 'a', sizeBytes: null, current: true }] });
      expect(await watched.list({ hostId: VM.hostId, uuid: '7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100002' })).toEqual({
        vm: { hostId: VM.hostId, uuid: '7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100002' },
        currentId: null,
        checkpoints: [],
        unavailableReason: REMOTE_HOST_REASON,
      });
      expect(calls.images).toEqual([]);
      expect(calls.memory).toEqual([]);
      // A host that cannot say (not connected): no sizes, and no refusal named (its operations fail on their own).
      hypervisor.local = undefined;
      expect(await watched.list(VM)).toMatchObject({ unavailableReason: null, checkpoints: [{ sizeBytes: null }] });
      hypervisor.local = true;
      expect(await watched.list(VM)).toMatchObject({ unavailableReason: null, checkpoints: [{ sizeBytes: expect.any(Number) }] });
    });

    it('recovery keeps its journal entries and sweeps nothing in its folder', async () => {
      await watched.take(VM, { name: 'a' });
      // A take the host dropped in the middle of: the journal keeps it (the disks' state cannot be read).
      const snapshot = hypervisor.snapshot.bind(hypervisor);
      hypervisor.snapshot = async () => {
        hypervisor.gone = true;
        throw new HostUnreachableError('libvirt.VIR_ERR_INTERNAL_ERROR', 'client socket is closed');
      };
      await expect(watched.take(VM, { name: 'b' })).rejects.toThrow('client socket is closed');
      hypervisor.snapshot = snapshot;
      hypervisor.gone = false;
      const pending = await journal();
      expect(pending).toHaveLength(1);
      const files = [...images.files];

      hypervisor.local = false;
      calls.hypervisor.length = calls.images.length = calls.memory.length = 0;
      const report = await watched.recover();
      expect(report).toEqual([
        expect.stringMatching(/^take of .* at begin: failed \(Checkpoints are not available for VMs on another machine.*\); kept in the journal$/),
        expect.stringMatching(/^cleanup of .*: skipped \(host h is another machine's\)$/),
      ]);
      expect(await watched.recover(VM.hostId)).toEqual([expect.stringMatching(/kept in the journal$/)]);
      expect(new Set(calls.hypervisor)).toEqual(new Set(['filesAreLocal']));
      expect(calls.images).toEqual([]);
      expect(calls.memory).toEqual([]);
      expect(await journal()).toEqual(pending);
      expect([...images.files]).toEqual(files);

      // Back on this machine (e.g. the host's URI edited to its local one): recovered as before.
      hypervisor.local = true;
      expect(await watched.recover()).toEqual([expect.stringMatching(/^take of .* at begin: rolled back/)]);
      expect(await journal()).toEqual([]);
    });

    it("sweeps a VM's temporary files once its host connects, when the start-up sweep could not tell where they are", async () => {
      await watched.take(VM, { name: 'a' });
      for (const local of [undefined, false] as const) {
        // At start the host is not connected (or was another machine's, its URI edited since).
        hypervisor.local = local;
        calls.memory.length = 0;
        expect(await watched.recover()).toEqual([expect.stringMatching(/^cleanup of .*: (deferred|skipped)/)]);
        expect(calls.memory).toEqual([]);
        // It connects, to this machine: its folder is swept then, once.
        hypervisor.local = true;
        expect(await watched.recover(VM.hostId)).toEqual([expect.stringMatching(/^cleanup of .*: done$/)]);
        expect(calls.memory).toEqual(['discardTemporaries']);
        expect(await watched.recover(VM.hostId)).toEqual([]);
        expect(calls.memory).toEqual(['discardTemporaries']);
      }
      // Another machine's host on reconnect: still not swept, still waiting.
      hypervisor.local = false;
      await watched.recover();
      await watched.recover(VM.hostId);
      hypervisor.local = true;
      calls.memory.length = 0;
      await watched.recover(VM.hostId);
      expect(calls.memory).toEqual(['discardTemporaries']);
    });
  });

  it('records a take as the current checkpoint, child of the previous one, with its stun time', async () => {
    const a = await engine.take(VM, { name: 'a', diskOnly: true });
    const b = await engine.take(VM, { name: 'b', diskOnly: true, description: 'second' });
    expect(a).toMatchObject({ parentId: null, kind: 'disk-only', stunMs: 12 });
    expect(b).toMatchObject({ parentId: a.id, current: true, description: 'second' });
    expect(b.disks[0]!.image).toBe(hypervisor.calls[0]!.replace('snapshot ', ''));
    expect((await engine.list(VM)).checkpoints.find((c) => c.id === a.id)!.children).toEqual([b.id]);
  });

  it('rolls a failed take back: its overlay removed, journal empty, tree unchanged', async () => {
    hypervisor.failSnapshot = new OperationFailedError('x', 'snapshot refused');
    await expect(engine.take(VM, { name: 'a', diskOnly: true })).rejects.toThrow('snapshot refused');
    expect((await engine.list(VM)).checkpoints).toEqual([]);
    expect(await readdir(join(dataDir, 'checkpoints', 'journal'))).toEqual([]);
    expect([...images.files]).toEqual(['/img/base.qcow2']);
  });

  it('takes the memory the way the hypervisor chose and records it', async () => {
    const live = await engine.take(VM, { name: 'live' });
    expect(live).toMatchObject({ kind: 'memory', memoryMethod: 'live-snapshot' });
    hypervisor.choice = { method: 'background-snapshot' };
    const background = await engine.take(VM, { name: 'background' });
    expect(background).toMatchObject({ kind: 'memory', memoryMethod: 'background-snapshot' });
    expect(hypervisor.calls.at(-1)).toMatch(/ background-snapshot$/);
    const diskOnly = await engine.take(VM, { name: 'disks', diskOnly: true });
    expect(diskOnly.memoryMethod).toBeUndefined();
  });

  it('merges the disks back when a background snapshot switched them but lost the memory: tree unchanged, VM on its old layer', async () => {
    const a = await engine.take(VM, { name: 'a', diskOnly: true });
    const before = await engine.list(VM);
    const filesBefore = [...images.files];
    const active = hypervisor.source;
    hypervisor.choice = { method: 'background-snapshot' };
    hypervisor.failMemoryAfterSwitch = new OperationFailedError('checkpoint.memory-write-failed', "QEMU's background snapshot failed: No space left on device");
    await expect(engine.take(VM, { name: 'b' })).rejects.toThrow('No space left on device');
    expect(hypervisor.calls.slice(-3)).toEqual([expect.stringMatching(/^snapshot .* background-snapshot$/), expect.stringMatching(/^settle tandem-/), 'job active-commit']);
    expect(hypervisor.source).toBe(active);
    expect(await engine.list(VM)).toEqual(before);
    expect(a.current).toBe(true);
    expect([...images.files]).toEqual(filesBefore);
    expect(await readdir(join(dataDir, 'checkpoints', 'journal'))).toEqual([]);
    expect((await readdir(dataDir)).filter((f) => f.endsWith('.mem'))).toEqual([]);
  });

  it('settles a background snapshot whose VM is found in another state (crashed, shutting down): a cut-short memory is not listed', async () => {
    const before = await engine.list(VM);
    const active = hypervisor.source;
    hypervisor.choice = { method: 'background-snapshot' };
    hypervisor.failMemoryAfterSwitch = new OperationFailedError('checkpoint.memory-write-failed', 'guest crashed');
    const snapshot = hypervisor.snapshot.bind(hypervisor);
    hypervisor.snapshot = async (vm, request) => {
      try {
        return await snapshot(vm, request);
      } finally {
        hypervisor.state = 'other';
      }
    };
    await expect(engine.take(VM, { name: 'b' })).rejects.toThrow('guest crashed');
    expect(hypervisor.calls).toContainEqual(expect.stringMatching(/^settle tandem-/));
    expect(hypervisor.source).toBe(active);
    expect(await engine.list(VM)).toEqual(before);
  });

  it('completes a background snapshot whose memory the hypervisor reports whole after a failure', async () => {
    hypervisor.choice = { method: 'background-snapshot' };
    hypervisor.failMemoryAfterSwitch = new OperationFailedError('libvirt.VIR_ERR_RPC', 'connection dropped while waiting');
    hypervisor.settled = 'completed';
    const tree = await engine.take(VM, { name: 'a' });
    expect(tree).toMatchObject({ name: 'a', current: true, kind: 'memory' });
  });

  it('refuses to checkpoint disks changed outside Tandem', async () => {
    await engine.take(VM, { name: 'a', diskOnly: true });
    hypervisor.source = '/elsewhere.qcow2';
    await expect(engine.take(VM, { name: 'b', diskOnly: true })).rejects.toMatchObject({ code: 'checkpoint.tree-mismatch' });
  });

  it('runs one operation per VM at a time', async () => {
    const first = engine.take(VM, { name: 'a', diskOnly: true });
    await expect(engine.take(VM, { name: 'b', diskOnly: true })).rejects.toMatchObject({ code: 'vm.busy', message: /checkpoint take is running/ });
    await first;
  });

  it('shares its per-VM lock with migration: a checkpoint of a VM being migrated gets a Conflict, and none is journaled', async () => {
    const locks = new VmOperationLocks();
    const shared = new CheckpointEngine({ hypervisor, images, memory: new PlainMemoryStateStore(), dataDir, locks });
    const migrating = locks.acquire(VM, 'migration to host2');
    await expect(shared.take(VM, { name: 'a', diskOnly: true })).rejects.toMatchObject({ code: 'vm.busy', message: /migration to host2 is running/ });
    expect(await shared.recover()).toEqual([]);
    migrating.release();
    expect(hypervisor.calls).toEqual([]);
    await shared.take(VM, { name: 'a', diskOnly: true });
    expect(locks.holder(VM)).toBeUndefined();
  });

  it('names an interrupted operation still waiting for recovery (what migration refuses to move past)', async () => {
    const a = await engine.take(VM, { name: 'a' });
    expect(await engine.pendingOperation(VM)).toBeUndefined();
    hypervisor.afterDestroy = () => (hypervisor.gone = true);
    await expect(engine.revert(VM, a.id)).rejects.toMatchObject({ code: 'checkpoint.revert-interrupted' });
    hypervisor.afterDestroy = undefined;
    expect(await engine.pendingOperation(VM)).toBe('revert at stopped');
    expect(await engine.pendingOperation({ hostId: 'other', uuid: VM.uuid })).toBeUndefined();
    hypervisor.gone = false;
    await engine.recover(VM.hostId);
    expect(await engine.pendingOperation(VM)).toBeUndefined();
  });

  it('undoes a disk-only take whose TPM state cannot be read after the switch, at once and in recovery', async () => {
    hypervisor.tpm = true;
    hypervisor.failTpmRead = new OperationFailedError('libvirt.VIR_ERR_INTERNAL_ERROR', 'cannot open directory');
    await expect(engine.take(VM, { name: 'a', diskOnly: true })).rejects.toMatchObject({ code: 'checkpoint.tpm-read-failed' });
    expect(hypervisor.calls).toEqual([expect.stringMatching(/^snapshot /), 'read tpm', 'job active-commit']);
    expect(hypervisor.source).toBe('/img/base.qcow2');
    expect([...images.files]).toEqual(['/img/base.qcow2']);
    expect(await readdir(join(dataDir, 'checkpoints', 'journal'))).toEqual([]);
    expect((await engine.list(VM)).checkpoints).toEqual([]);

    // The same failure found by recovery (Tandem died after the switch): rolled back, not kept forever.
    hypervisor.calls = [];
    const source = hypervisor.source;
    hypervisor.failMemoryAfterSwitch = new HostUnreachableError('libvirt.VIR_ERR_INTERNAL_ERROR', 'client socket is closed');
    await expect(engine.take(VM, { name: 'b', diskOnly: true })).rejects.toMatchObject({ code: 'libvirt.VIR_ERR_INTERNAL_ERROR' });
    expect(hypervisor.calls).toContain('job active-commit');
    expect(hypervisor.source).toBe(source);
    expect(await readdir(join(dataDir, 'checkpoints', 'journal'))).toEqual([]);
    expect((await engine.list(VM)).checkpoints).toEqual([]);
  });

  it('merges back the disk still on its overlay when an undo stopped after the first disk: recovery does not remove an overlay in use', async () => {
    const twoDisks = new TwoDiskHypervisor(images);
    images.files.add('/img/data.qcow2');
    const memory = new PlainMemoryStateStore();
    const twoDiskEngine = new CheckpointEngine({ hypervisor: twoDisks, images, memory, dataDir });
    twoDisks.tpm = true;
    twoDisks.failTpmRead = new OperationFailedError('libvirt.VIR_ERR_INTERNAL_ERROR', 'cannot open directory');
    twoDisks.failJobOn = 'vdb';
    // The undo merged vda back, then vdb's merge failed: vda runs on its base again, vdb still on its overlay.
    await expect(twoDiskEngine.take(VM, { name: 'a', diskOnly: true })).rejects.toThrow('block job on vdb failed');
    const vdbOverlay = twoDisks.sources.get('vdb')!;
    expect(twoDisks.sources.get('vda')).toBe('/img/base.qcow2');
    expect(vdbOverlay).not.toBe('/img/data.qcow2');
    expect(images.files.has(vdbOverlay)).toBe(true);

    twoDisks.failJobOn = undefined;
    twoDisks.calls = [];
    await twoDiskEngine.recover();
    expect(Object.fromEntries(twoDisks.sources)).toEqual({ vda: '/img/base.qcow2', vdb: '/img/data.qcow2' });
    expect(twoDisks.calls).toEqual(['job active-commit vdb']);
    expect([...images.files].sort()).toEqual(['/img/base.qcow2', '/img/data.qcow2']);
    expect(await readdir(join(dataDir, 'checkpoints', 'journal'))).toEqual([]);

    // The same partial undo found with the VM shut off since: only vdb's overlay is merged offline. vda's was
    // merged already and the guest wrote to vda's base after that: merging its stale overlay again would
    // write old data over the new.
    twoDisks.failJobOn = 'vdb';
    await expect(twoDiskEngine.take(VM, { name: 'b', diskOnly: true })).rejects.toThrow('block job on vdb failed');
    const staleVda = [...images.files].find((f) => f.endsWith('.vda.qcow2'))!;
    const usedVdb = twoDisks.sources.get('vdb')!;
    expect(staleVda).toBeDefined();
    expect(usedVdb).toMatch(/\.vdb\.qcow2$/);
    twoDisks.state = 'shutoff';
    await twoDiskEngine.recover();
    expect(images.committed).toEqual([usedVdb]);
    expect(Object.fromEntries(twoDisks.sources)).toEqual({ vda: '/img/base.qcow2', vdb: '/img/data.qcow2' });
    expect([...images.files].sort()).toEqual(['/img/base.qcow2', '/img/data.qcow2']);
  });

  it('merges the current checkpoint into the running layer with an active commit when it is deleted', async () => {
    const a = await engine.take(VM, { name: 'a', diskOnly: true });
    const tree = await engine.delete(VM, a.id);
    expect(hypervisor.calls).toContain('job active-commit');
    expect(tree.checkpoints).toEqual([]);
  });

  it('refuses a revert whose memory file is missing, leaving the VM running', async () => {
    const a = await engine.take(VM, { name: 'a' });
    await rm(join(dataDir, `${a.id}.mem`));
    await expect(engine.revert(VM, a.id)).rejects.toMatchObject({ code: 'checkpoint.memory-missing' });
    expect(hypervisor.state).toBe('running');
  });

  it('leaves the VM shut off on the checkpoint disks, tree consistent, when the restore fails', async () => {
    const a = await engine.take(VM, { name: 'a' });
    hypervisor.failRestore = new OperationFailedError('x', 'restore refused');
    await expect(engine.revert(VM, a.id)).rejects.toMatchObject({ code: 'checkpoint.restore-failed' });
    expect(hypervisor.state).toBe('shutoff');
    expect((await engine.list(VM)).currentId).toBe(a.id);
    expect(await readdir(join(dataDir, 'checkpoints', 'journal'))).toEqual([]);
  });

  it('keeps a revert whose host stopped answering after the stop in the journal, and settles it before the next operation', async () => {
    const a = await engine.take(VM, { name: 'a' });
    hypervisor.afterDestroy = () => (hypervisor.gone = true);
    await expect(engine.revert(VM, a.id)).rejects.toMatchObject({ code: 'checkpoint.revert-interrupted' });
    expect(await readdir(join(dataDir, 'checkpoints', 'journal'))).toHaveLength(1);
    expect(hypervisor.calls).not.toContain('restore');

    // The host is back: the next operation on the VM first completes the revert (memory restored), then runs.
    hypervisor.afterDestroy = undefined;
    hypervisor.gone = false;
    const b = await engine.take(VM, { name: 'b', diskOnly: true });
    expect(hypervisor.calls.filter((c) => c === 'restore')).toHaveLength(1);
    expect(hypervisor.state).toBe('running');
    expect(b.parentId).toBe(a.id);
    expect(await readdir(join(dataDir, 'checkpoints', 'journal'))).toEqual([]);
  });

  it('refuses a new operation while an interrupted one cannot be settled, and recovers it when the host is back', async () => {
    const a = await engine.take(VM, { name: 'a' });
    hypervisor.afterDestroy = () => (hypervisor.gone = true);
    await expect(engine.revert(VM, a.id)).rejects.toMatchObject({ code: 'checkpoint.revert-interrupted' });
    hypervisor.afterDestroy = undefined;
    await expect(engine.take(VM, { name: 'b' })).rejects.toMatchObject({ code: 'checkpoint.recovery-pending' });
    expect(await engine.recover('other-host')).toEqual([]);
    hypervisor.gone = false;
    expect(await engine.recover(VM.hostId)).toEqual([expect.stringMatching(/^revert of .* at stopped: completed$/)]);
    expect(hypervisor.state).toBe('running');
    expect((await engine.list(VM)).currentId).toBe(a.id);
  });

  it('completes a revert interrupted before its stop was journaled when the VM is found shut off', async () => {
    const a = await engine.take(VM, { name: 'a' });
    // The daemon stopped the VM and died before answering: the journal still says "begin".
    hypervisor.destroy = async () => {
      hypervisor.state = 'shutoff';
      hypervisor.gone = true;
      throw new HostUnreachableError('libvirt.VIR_ERR_INTERNAL_ERROR', 'client socket is closed');
    };
    await expect(engine.revert(VM, a.id)).rejects.toMatchObject({ code: 'checkpoint.revert-interrupted' });
    hypervisor.gone = false;
    expect(await engine.recover()).toEqual([expect.stringMatching(/^revert of .* at begin: completed$/)]);
    expect(hypervisor.state).toBe('running');
  });

  it('names the way out of a VM libvirt keeps "starting up" after its daemon died launching the restore', async () => {
    const a = await engine.take(VM, { name: 'a' });
    hypervisor.afterDestroy = () => (hypervisor.gone = true);
    await expect(engine.revert(VM, a.id)).rejects.toMatchObject({ code: 'checkpoint.revert-interrupted' });
    hypervisor.afterDestroy = undefined;
    hypervisor.gone = false;
    hypervisor.state = 'paused';
    hypervisor.startingUp = true;
    const impatient = new CheckpointEngine({ hypervisor, images, memory: new PlainMemoryStateStore(), dataDir, startingUpGraceMs: 0 });
    const [line] = await impatient.recover();
    expect(line).toMatch(/failed \(libvirt shows VM vm1 as starting up.*remove \/run\/libvirt\/qemu\/vm1\.xml .*restart libvirtd.*\); kept in the journal$/);
    expect(hypervisor.calls).not.toContain('restore');
    // Once the user did that, libvirt lists it shut off and the revert completes.
    hypervisor.state = 'shutoff';
    hypervisor.startingUp = false;
    expect(await impatient.recover()).toEqual([expect.stringMatching(/at stopped: completed$/)]);
    expect(hypervisor.state).toBe('running');
  });

  it('journals nothing for a refused delete, so no later recovery carries it out', async () => {
    const a = await engine.take(VM, { name: 'a' });
    await engine.take(VM, { name: 'b' });
    await engine.revert(VM, a.id);
    await engine.take(VM, { name: 'c' });
    await expect(engine.delete(VM, a.id)).rejects.toMatchObject({ code: 'checkpoint.root-with-branches' });
    expect(await readdir(join(dataDir, 'checkpoints', 'journal'))).toEqual([]);
    await engine.take(VM, { name: 'd', diskOnly: true });
    expect(await engine.recover()).toEqual([]);
    expect((await engine.list(VM)).checkpoints.map((x) => x.name)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('leaves no journal entry when the VM starts while a delete begins (refused or carried out on one reading of its state)', async () => {
    hypervisor.state = 'shutoff';
    const snapshot = hypervisor.snapshot.bind(hypervisor);
    vi.spyOn(hypervisor, 'snapshot').mockImplementation(async (vm, request) => {
      for (const o of request.overlays) images.files.add(o.overlay);
      return snapshot(vm, request);
    });
    await engine.take(VM, { name: 'x' });
    const a = await engine.take(VM, { name: 'a' });
    await engine.take(VM, { name: 'b' });
    await engine.revert(VM, a.id);
    await engine.take(VM, { name: 'c' });
    // The user starts the VM (outside checkpoints) while the delete begins: the first status read is the last shut-off one.
    const status = hypervisor.status.bind(hypervisor);
    vi.spyOn(hypervisor, 'status').mockImplementationOnce(async () => {
      const read = await status();
      hypervisor.state = 'running';
      return read;
    });
    // Carried out on the state it read, or refused (busy-branch): either way, no journal entry outlives it.
    const outcome = await engine.delete(VM, a.id).then(
      () => 'deleted',
      (error: TandemError) => error.code,
    );
    expect(['deleted', 'checkpoint.busy-branch']).toContain(outcome);
    expect(await readdir(join(dataDir, 'checkpoints', 'journal'))).toEqual([]);
    await engine.take(VM, { name: 'd', diskOnly: true }); // not refused as checkpoint.recovery-pending
    hypervisor.state = 'shutoff';
    expect(await engine.recover()).toEqual([]);
    expect((await engine.list(VM)).checkpoints.map((x) => x.name)).toEqual(outcome === 'deleted' ? ['x', 'b', 'c', 'd'] : ['x', 'a', 'b', 'c', 'd']);
  });

  it('runs take / revert as jobs: phases, stun time in the result, and the typed error of a failure', async () => {
    const jobs = new JobRegistry();
    const seen: JobSnapshot[] = [];
    const subscription = jobs.jobChanged.on((j) => seen.push(j));
    const viaJobs = new CheckpointJobs(engine, jobs);
    const cp = await viaJobs.take(VM, { name: 'first' });
    const take = seen.filter((j) => j.kind === 'checkpoint.take');
    expect(take.map((j) => j.progress.phase)).toEqual(expect.arrayContaining(['creating overlays, saving memory', 'sealing memory', 'done']));
    expect(take.at(-1)).toMatchObject({ state: 'succeeded', targets: [VM], result: { checkpointId: cp.id, stunMs: 12, wallMs: 30, kind: 'memory' } });

    hypervisor.failSnapshot = new Error('qemu said no');
    await expect(viaJobs.take(VM, { name: 'second' })).rejects.toThrow('qemu said no');

    await viaJobs.revert(VM, cp.id);
    expect(seen.filter((j) => j.kind === 'checkpoint.revert').map((j) => j.progress.phase)).toEqual(
      expect.arrayContaining(['rebuilding and verifying memory', 'stopping the VM', 'restoring', 'done']),
    );
    await expect(viaJobs.revert(VM, 'nope')).rejects.toBeInstanceOf(NotFoundError);
    expect(seen.filter((j) => j.state === 'failed').map((j) => j.kind)).toEqual(['checkpoint.take', 'checkpoint.revert']);
    expect(seen.find((j) => j.kind === 'checkpoint.revert' && j.state === 'failed')?.error).toMatchObject({ name: 'NotFound', code: 'checkpoint.not-found' });
    subscription.dispose();
    await jobs.dispose();
  });
});
