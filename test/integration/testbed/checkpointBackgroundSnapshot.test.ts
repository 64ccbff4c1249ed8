/**
 * Checkpoints through QEMU's background snapshot on a real guest of the test bed's host1 (through its daemon's
 * unix socket, as Tandem reaches a local qemu:///system): the probe's answer on each kind of connection (it
 * only reads), a QEMU that refuses the capability (the take falls back before the pause, capability off); the memory file as a whole libvirt save image
 * with nothing of the snapshot left in QEMU or libvirt, read the same way as libvirt's own save; too little room for the memory state: no background
 * snapshot is started (QEMU 7.2 would leave the guest frozen if its write failed), the live snapshot fails
 * safely and the guest runs on; a take failing after it made its overlays, before the pause: none left, by the driver itself (the engine's rollback would hide a leak), and a file already at an overlay path never written over; the overlays' headers (image below, its format, size) read back by libvirt after a restart, two takes deep and over a raw second disk with a space and a quote in its path. Reverts of such checkpoints are in checkpoints.test.ts, crashes in the middle
 * of one (and a memory file cut short) in checkpointRecovery.test.ts.
 */
import { execFile } from 'node:child_process';
import { watch } from 'node:fs';
import { access, mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointEngine } from '../../../main/core/checkpoints/CheckpointEngine';
import { diskChain } from '../../../main/core/checkpoints/domainDisks';
import { PlainMemoryStateStore } from '../../../main/core/checkpoints/PlainMemoryStateStore';
import { LibvirtCheckpointHypervisor } from '../../../main/drivers/libvirt/LibvirtCheckpointHypervisor';
import { decodeSaveImageHeader, saveImageIsComplete, SAVE_IMAGE_VERSION } from '../../../main/drivers/libvirt/qemuSaveImage';
import { QemuImgDiskImages } from '../../../main/drivers/qemuImg/QemuImgDiskImages';
import { openConnection, virDomainJobType, virDomainModificationImpact, virDomainState, type Connection, type Domain } from '../../../native-helpers/libvirt/lib/index';
import { testbedOrFail } from '../../support/requireTestbed';
import { checkpointEngine, checkpointFolderOf, HOST_ID, removeCheckpointGuest, startCheckpointGuest } from './checkpointFixture';
import { lastCounter, waitForCounterAbove, type RunningGuest } from './snapshotTestbed';

const execFileAsync = promisify(execFile);
const env = testbedOrFail();

async function qmp<T>(dom: Domain, execute: string, args?: object): Promise<T> {
  const reply = JSON.parse(await dom.qemuMonitorCommand(JSON.stringify(args ? { execute, arguments: args } : { execute }))) as { return: T; error?: { desc: string } };
  if (reply.error) throw new Error(reply.error.desc);
  return reply.return;
}

async function capability(dom: Domain, name: string): Promise<boolean | undefined> {
  return (await qmp<Array<{ capability: string; state: boolean }>>(dom, 'query-migrate-capabilities')).find((c) => c.capability === name)?.state;
}

/** What a background snapshot must not leave behind: the capability on, a descriptor, a libvirt job, a paused guest. */
async function expectNothingLeft(dom: Domain, fdName: string): Promise<void> {
  expect(await capability(dom, 'background-snapshot')).toBe(false);
  expect(JSON.parse(await dom.qemuMonitorCommand(JSON.stringify({ execute: 'closefd', arguments: { fdname: fdName } })))).toHaveProperty('error');
  expect((await dom.getJobInfo()).type).toBe(virDomainJobType.VIR_DOMAIN_JOB_NONE);
  expect((await dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
  expect((await qmp<{ status?: string }>(dom, 'query-migrate')).status ?? 'none').not.toMatch(/^(setup|active|cancelling)$/);
}

describe.skipIf(!env)('checkpoints through QEMU background snapshots', () => {
  let g: RunningGuest;
  let tcp: Connection;
  let dataDir: string;
  let folder: string;
  const vm = () => ({ hostId: HOST_ID, uuid: g.guest.uuid });

  beforeAll(async () => {
    ({ g, dataDir } = await startCheckpointGuest(env!, 'bg'));
    tcp = await openConnection(env!.host1Uri);
    folder = checkpointFolderOf(env!, g.guest.uuid);
  });

  afterAll(async () => {
    await tcp?.close().catch(() => undefined);
    await removeCheckpointGuest(env!, g, dataDir);
  });

  it('probes without changing QEMU: background over the unix socket; live over TCP and when turned off, each saying why', async () => {
    expect(await new LibvirtCheckpointHypervisor(() => g.conn).memoryMethod(vm())).toEqual({ method: 'background-snapshot' });
    const overTcp = await new LibvirtCheckpointHypervisor(() => tcp).memoryMethod(vm());
    expect(overTcp.method).toBe('live-snapshot');
    expect(overTcp.fallbackReason).toMatch(/cannot hand QEMU a file over this connection \(qemu\+tcp:.*local unix socket only/);
    // Known without trying: a failed attempt would have closed the connection (libvirt 9.0's client does).
    expect(await tcp.isAlive()).toBe(true);
    expect(await new LibvirtCheckpointHypervisor(() => g.conn, { backgroundSnapshot: false }).memoryMethod(vm())).toMatchObject({ method: 'live-snapshot', fallbackReason: /turned off/ });
    await expectNothingLeft(g.dom, 'tandem-probe');
  });

  it('a QEMU that refuses the capability: the take learns it before the pause and takes a live snapshot, the capability off', async () => {
    // A capability the background snapshot cannot be combined with (release-ram; libvirt does not manage it).
    await qmp(g.dom, 'migrate-set-capabilities', { capabilities: [{ capability: 'release-ram', state: true }] });
    const engine = checkpointEngine(g.conn, join(dataDir, 'refused'));
    try {
      // The probe reads only, so it cannot know: the take finds out.
      expect(await new LibvirtCheckpointHypervisor(() => g.conn).memoryMethod(vm())).toEqual({ method: 'background-snapshot' });
      await waitForCounterAbove(g.guest, 2);
      const cp = await engine.take(vm(), { name: 'refused' });
      expect(cp).toMatchObject({ kind: 'memory', memoryMethod: 'live-snapshot' });
      expect(await capability(g.dom, 'release-ram')).toBe(true);
      await expectNothingLeft(g.dom, `tandem-${cp.id}`);
      expect(await readdir(join(dataDir, 'refused', 'checkpoints', 'journal'))).toEqual([]);
      await engine.delete(vm(), cp.id);
    } finally {
      await qmp(g.dom, 'migrate-set-capabilities', { capabilities: [{ capability: 'release-ram', state: false }] });
    }
  });

  it('writes the memory as a whole libvirt save image and leaves nothing in QEMU or libvirt', async () => {
    await waitForCounterAbove(g.guest, 2);
    const cp = await checkpointEngine(g.conn, dataDir).take(vm(), { name: 'bg' });
    console.log(`background snapshot: stun ${cp.stunMs} ms, whole call ${cp.wallMs} ms`);
    expect(cp).toMatchObject({ kind: 'memory', memoryMethod: 'background-snapshot' });
    expect(cp.stunMs).not.toBeNull();

    const file = await open(cp.memoryFile!, 'r');
    const head = Buffer.alloc(64 * 1024);
    await file.read(head, 0, head.length, 0);
    await file.close();
    const header = decodeSaveImageHeader(head);
    expect(header).toMatchObject({ version: SAVE_IMAGE_VERSION, wasRunning: true, format: 0, cookieOffset: 0 });
    expect(header!.domainXml).toContain(`<uuid>${g.guest.uuid}</uuid>`);
    expect(await saveImageIsComplete(cp.memoryFile!)).toBe(true);
    await expectNothingLeft(g.dom, `tandem-${cp.id}`);
  });

  it("reads libvirt's own save image the same way: the header Tandem writes is libvirt's", async () => {
    const path = join(dataDir, 'libvirt-save.img');
    await g.dom.save(path);
    try {
      const file = await open(path, 'r');
      const head = Buffer.alloc(256 * 1024);
      await file.read(head, 0, head.length, 0);
      await file.close();
      const header = decodeSaveImageHeader(head);
      // libvirt adds a cookie (the CPU the guest started with) after the XML, and pads for later XML edits.
      expect(header).toMatchObject({ version: SAVE_IMAGE_VERSION, wasRunning: true, format: 0 });
      expect(header!.cookieOffset).toBeGreaterThan(0);
      expect(header!.domainXml).toContain(`<uuid>${g.guest.uuid}</uuid>`);
      expect(await saveImageIsComplete(path)).toBe(true);
    } finally {
      await g.conn.restore(path);
      await rm(path, { force: true });
    }
    expect((await g.dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
  });

  it('never starts a background snapshot that could run out of room: a take with too little space falls back, fails safely, guest running', async () => {
    // QEMU 7.2 leaves a guest frozen when a background snapshot fails midway (see BackgroundSnapshot.ts), so
    // the space is reserved first. A 4 MiB filesystem cannot hold the reservation: libvirt's live snapshot
    // runs instead, fails on the full filesystem the safe way, and the guest goes on. The test bed's libvirtd
    // lives in a mount namespace of its own: the small filesystem is mounted there too, at the same path.
    const small = await mkdtemp(join(tmpdir(), 'tandem-ckpt-full-'));
    const daemon = (await readFile(join(env!.dir, 'host1', 'libvirtd.pid'), 'utf8')).trim();
    const mountSmall = ['mount', '-t', 'tmpfs', '-o', 'size=4m', 'tandem-ckpt-full', small];
    await execFileAsync(mountSmall[0]!, mountSmall.slice(1));
    await execFileAsync('nsenter', ['--target', daemon, '--mount', '--', ...mountSmall]);
    try {
      const memory = new PlainMemoryStateStore();
      memory.targetFor = (_folder, id) => join(small, `${id}.mem`);
      const engine = new CheckpointEngine({ hypervisor: new LibvirtCheckpointHypervisor(() => g.conn), images: new QemuImgDiskImages(), memory, dataDir });
      const before = await engine.list(vm());
      const active = /<source file='([^']+)'/.exec(await g.dom.getXMLDesc())![1]!;
      const layers = await readdir(folder);
      const atTake = await lastCounter(g.guest);

      const failure = await engine.take(vm(), { name: 'no-room' }).then(
        () => undefined,
        (error: unknown) => error as Error,
      );
      expect(failure?.message).toMatch(/No space left on device/);

      expect(await engine.list(vm())).toEqual(before);
      expect(/<source file='([^']+)'/.exec(await g.dom.getXMLDesc())![1]).toBe(active);
      expect(await readdir(folder)).toEqual(layers);
      expect(await readdir(small)).toEqual([]);
      expect(await readdir(join(dataDir, 'checkpoints', 'journal'))).toEqual([]);
      await expectNothingLeft(g.dom, 'no-such-name');
      await waitForCounterAbove(g.guest, atTake + 2);
    } finally {
      await execFileAsync('nsenter', ['--target', daemon, '--mount', '--', 'umount', small]);
      await execFileAsync('umount', [small]);
      await rm(small, { recursive: true, force: true });
    }
  });

  it('removes the overlays it made before the pause when the take then fails: no file left, VM running on its old chain', async () => {
    // The overlays are made before the memory file is opened; a memory folder that is gone fails the take
    // there, before anything is paused or switched.
    const memory = new PlainMemoryStateStore();
    memory.targetFor = (_folder, id) => join(dataDir, 'no-such-folder', `${id}.mem`);
    const engine = new CheckpointEngine({ hypervisor: new LibvirtCheckpointHypervisor(() => g.conn), images: new QemuImgDiskImages(), memory, dataDir });
    const before = await engine.list(vm());
    const chain = await g.dom.getXMLDesc();
    const layers = await readdir(folder);
    const atTake = await lastCounter(g.guest);
    // Seen appearing, so the test cannot pass by the overlays never having been made.
    const appeared = new Set<string>();
    const watcher = watch(folder, (_event, name) => {
      if (name && /^layer-.*\.qcow2$/.test(name) && !layers.includes(name)) appeared.add(name);
    });
    try {
      const failure = await engine.take(vm(), { name: 'no-memory-folder' }).then(
        () => undefined,
        (error: unknown) => error as Error,
      );
      expect(failure?.message).toMatch(/ENOENT/);
    } finally {
      watcher.close();
    }
    expect(appeared.size).toBeGreaterThan(0);
    expect(await readdir(folder)).toEqual(layers);
    expect(await engine.list(vm())).toEqual(before);
    // The whole disk element, backing chain included, as before the take.
    expect(diskElement(await g.dom.getXMLDesc())).toBe(diskElement(chain));
    expect(await readdir(join(dataDir, 'checkpoints', 'journal'))).toEqual([]);
    await expectNothingLeft(g.dom, 'no-such-name');
    await waitForCounterAbove(g.guest, atTake + 2);
  });

  it('the driver itself removes the overlays it made when the take fails before the pause (not only the engine\'s recovery)', async () => {
    // Called without the engine, whose rollback would remove the journaled overlays anyway and hide a leak here.
    await mkdir(folder, { recursive: true });
    const overlay = join(folder, 'layer-driver-only.vda.qcow2');
    const appeared = new Set<string>();
    const watcher = watch(folder, (_event, name) => {
      if (name === 'layer-driver-only.vda.qcow2') appeared.add(name);
    });
    try {
      const failure = await new LibvirtCheckpointHypervisor(() => g.conn)
        .snapshot(vm(), {
          name: 'tandem-driver-only',
          overlays: [{ target: 'vda', overlay }],
          memoryFile: join(dataDir, 'no-such-folder', 'driver-only.mem'),
          memoryMethod: 'background-snapshot',
          quiesce: false,
        })
        .then(
          () => undefined,
          (error: unknown) => error as Error,
        );
      expect(failure?.message).toMatch(/ENOENT/);
    } finally {
      watcher.close();
    }
    expect(appeared.size).toBe(1);
    await expect(access(overlay)).rejects.toThrow(/ENOENT/);
    await expectNothingLeft(g.dom, 'tandem-driver-only');
  });

  it('never writes over a file already at an overlay path: the take fails before the pause, the file as it was', async () => {
    await mkdir(folder, { recursive: true });
    const taken = join(folder, 'layer-taken.vda.qcow2');
    await writeFile(taken, 'not Tandem\'s');
    try {
      const request = { name: 'tandem-taken', overlays: [{ target: 'vda', overlay: taken }], memoryFile: join(dataDir, 'taken.mem'), memoryMethod: 'background-snapshot' as const, quiesce: false };
      // A typed error, as libvirt's refusal of an existing file was before the overlays were made beforehand.
      await expect(new LibvirtCheckpointHypervisor(() => g.conn).snapshot(vm(), request)).rejects.toMatchObject({ kind: 'Conflict', code: 'checkpoint.overlay-exists' });
      expect(await readFile(taken, 'utf8')).toBe('not Tandem\'s');
      await expect(access(request.memoryFile)).rejects.toThrow(/ENOENT/);
      expect(diskChain(await g.dom.getXMLDesc(), 'vda')[0]).not.toBe(taken);
      await expectNothingLeft(g.dom, 'tandem-taken');
    } finally {
      await rm(taken, { force: true });
    }
  });

  it('writes overlay headers libvirt reads back as the same chain: two takes deep, after the VM is stopped and started again', async () => {
    const engine = checkpointEngine(g.conn, dataDir);
    for (const name of ['chain-1', 'chain-2']) {
      const cp = await engine.take(vm(), { name });
      expect(cp.memoryMethod).toBe('background-snapshot');
    }
    const live = await g.dom.getXMLDesc();
    const chain = diskChain(live, 'vda');
    expect(chain.length).toBeGreaterThanOrEqual(3);
    // Each overlay's header: the image below it (absolute), its format, the guest-visible size of the disk.
    const { capacity } = await g.dom.blockInfo('vda');
    const { stdout } = await execFileAsync('qemu-img', ['info', '-U', '--backing-chain', '--output=json', chain[0]!]);
    const infos = JSON.parse(stdout) as { filename: string; format: string; 'virtual-size': number; 'backing-filename'?: string; 'backing-filename-format'?: string }[];
    expect(infos.map((i) => i.filename)).toEqual(chain);
    expect(infos[0]!['virtual-size']).toBe(capacity);
    expect(infos[0]!['backing-filename']).toBe(chain[1]);
    expect(infos[0]!['backing-filename-format']).toBe(infos[1]!.format);
    // libvirt keeps the chain it built at the switch; at the next start it reads it from the headers.
    await g.dom.destroy();
    await g.dom.create();
    expect(diskChain(await g.dom.getXMLDesc(), 'vda')).toEqual(chain);
  });
});

function diskElement(domainXml: string): string {
  return /<disk type='file' device='disk'>[\s\S]*?<\/disk>/.exec(domainXml)![0];
}

describe.skipIf(!env)('background snapshot overlays over a raw disk beside the qcow2 one', () => {
  let g: RunningGuest;
  let dataDir: string;
  let rawDisk: string;
  const vm = () => ({ hostId: HOST_ID, uuid: g.guest.uuid });

  beforeAll(async () => {
    ({ g, dataDir } = await startCheckpointGuest(env!, 'bg-raw'));
    // A second disk, raw, whose path has a space and a quote (execFile arguments, escaped XML).
    rawDisk = join(env!.images, `${g.guest.name} raw 'b'.img`);
    await execFileAsync('qemu-img', ['create', '-q', '-f', 'raw', rawDisk, '9M']);
    const escaped = rawDisk.replace(/&/g, '&amp;').replace(/'/g, '&apos;');
    const F = virDomainModificationImpact;
    await g.dom.attachDevice(`<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${escaped}'/><target dev='vdb' bus='virtio'/></disk>`, F.VIR_DOMAIN_AFFECT_LIVE | F.VIR_DOMAIN_AFFECT_CONFIG);
  });

  afterAll(async () => {
    await removeCheckpointGuest(env!, g, dataDir);
    if (rawDisk) await rm(rawDisk, { force: true });
  });

  it('puts an overlay on each disk naming its image and format, which libvirt reads back after a restart', async () => {
    const cp = await checkpointEngine(g.conn, dataDir).take(vm(), { name: 'two disks' });
    expect(cp.memoryMethod).toBe('background-snapshot');
    const live = await g.dom.getXMLDesc();
    for (const [target, format] of [['vda', 'qcow2'], ['vdb', 'raw']] as const) {
      const chain = diskChain(live, target);
      expect(chain[1]).toBe(target === 'vdb' ? rawDisk : g.guest.diskPath);
      const { stdout } = await execFileAsync('qemu-img', ['info', '-U', '--output=json', chain[0]!]);
      const info = JSON.parse(stdout) as { 'virtual-size': number; 'backing-filename'?: string; 'backing-filename-format'?: string };
      expect(info).toMatchObject({ 'virtual-size': (await g.dom.blockInfo(target)).capacity, 'backing-filename': chain[1], 'backing-filename-format': format });
    }
    await g.dom.destroy();
    await g.dom.create();
    const restarted = await g.dom.getXMLDesc();
    for (const target of ['vda', 'vdb']) expect(diskChain(restarted, target)).toEqual(diskChain(live, target));
  });
});
