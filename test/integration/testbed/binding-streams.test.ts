/**
 * The binding's streams and domain channels on real libvirt hosts: a tiny guest's serial console as a Node
 * Duplex (read the guest's lines, write and see the guest's tty echo, SAFE / FORCE sessions), volume upload /
 * download through a dir pool (bytes on disk, hashes), the VNC server through virDomainOpenGraphicsFD (a
 * unix-socket connection: host0), and the guest agent command (the tiny guest has no agent channel).
 * Creates only `st-<pid>-` objects (at most two guests) and removes them.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable, type Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  downloadVolume,
  LibvirtError,
  openConnection,
  openConsoleStream,
  openGraphicsSocket,
  uploadVolume,
  virDomainConsoleFlags,
  virDomainCreateFlags,
  virDomainQemuAgentCommandTimeoutValues,
  type Connection,
  type Domain,
  type StoragePool,
} from '../../../native-helpers/libvirt/lib/index';
import { expectLibvirtError } from '../../../native-helpers/libvirt/test/helpers';
import { testbedOrFail } from '../../support/requireTestbed';
import { createTinyGuest, removeTinyGuest, SERIAL, serialLogSize, waitForSerial, type TinyGuest } from '../../testbed/tinyGuest';

const execFileAsync = promisify(execFile);
const env = testbedOrFail();
const prefix = `st-${process.pid}-`;
const MiB = 1024 * 1024;
/** A deadline for things the guest does every second; never asserted as a duration. */
const GUEST_DEADLINE_MS = 30_000;

/** Collects what a readable side delivers, as text with CRs removed; waitFor(re) resolves when a complete line matches. */
function consoleReader(stream: Readable) {
  let text = '';
  const waiters: Array<{ re: RegExp; from: number; resolve: (m: RegExpMatchArray) => void }> = [];
  const check = () => {
    for (const w of [...waiters]) {
      // Complete lines only: `$` would match the end of a line still arriving.
      const m = text.slice(w.from, text.lastIndexOf('\n') + 1).match(w.re);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8').replace(/\r/g, '');
    check();
  });
  return {
    get text() {
      return text;
    },
    /** Resolves with the first match of `re` in what arrives from now on (or already arrived, with from = 0). */
    waitFor(re: RegExp, from = text.length): Promise<RegExpMatchArray> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${re} on the console; got:\n${text.slice(-2000)}`)), GUEST_DEADLINE_MS);
        waiters.push({ re, from, resolve: (m) => (clearTimeout(timer), resolve(m)) });
        check();
      });
    },
  };
}

function closed(stream: Duplex | Readable): Promise<void> {
  return new Promise((resolve) => (stream.closed ? resolve() : stream.once('close', () => resolve())));
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe.skipIf(!env)('binding: streams and domain channels on the test bed', () => {
  let conn: Connection;
  let guest: TinyGuest;
  let dom: Domain;

  beforeAll(async () => {
    conn = await openConnection(env!.host2Uri);
    guest = await createTinyGuest(env!, { name: `${prefix}console`, serial: 'pty' });
    // Started paused so the console is open before the guest prints its first line.
    dom = await conn.createDomainXML(guest.xml, virDomainCreateFlags.VIR_DOMAIN_START_PAUSED);
  });

  afterAll(async () => {
    if (dom) await dom.destroy().catch(() => undefined); // transient: destroy removes it
    await conn?.close();
    if (guest) await removeTinyGuest(guest);
  });

  describe('console', () => {
    let first: Duplex;

    it('reads the guest\'s serial lines from a console Duplex opened before boot', async () => {
      first = await openConsoleStream(dom, null, virDomainConsoleFlags.VIR_DOMAIN_CONSOLE_SAFE);
      const reader = consoleReader(first);
      await dom.resume();
      const ready = await reader.waitFor(SERIAL.ready, 0);
      expect(ready[1]).toBe(`${prefix}console`);
      const counter = await reader.waitFor(SERIAL.counter, 0);
      expect(Number(counter[1])).toBeGreaterThanOrEqual(1);
      // The pty serial is also logged to the file, as for file serials.
      await waitForSerial(guest.serialLogPath, SERIAL.ready, GUEST_DEADLINE_MS);
    });

    it('writes to the guest: its tty echoes the input', async () => {
      const reader = consoleReader(first);
      const marker = `tandem-echo-${process.pid}`;
      await new Promise<void>((resolve, reject) => first.write(`${marker}\r`, (e) => (e ? reject(e) : resolve())));
      await reader.waitFor(new RegExp(marker));
    });

    it('refuses a second session without FORCE; FORCE takes over and the first stream ends', async () => {
      await expectLibvirtError(openConsoleStream(dom), 'VIR_ERR_OPERATION_FAILED');
      let firstError: unknown;
      first.on('error', (e) => (firstError = e));
      const firstClosed = closed(first);
      const second = await openConsoleStream(dom, null, virDomainConsoleFlags.VIR_DOMAIN_CONSOLE_FORCE);
      // The daemon cuts the first session: its stream fails with libvirt's I/O error, and closes.
      await firstClosed;
      expect(firstError).toBeInstanceOf(LibvirtError);
      expect((firstError as LibvirtError).codeName).toBe('VIR_ERR_RPC');
      const reader = consoleReader(second);
      await reader.waitFor(SERIAL.counter);
      second.end();
      await closed(second);
      expect(second.errored).toBeNull();
      // The session is released: a new one opens without FORCE.
      const third = await openConsoleStream(dom);
      third.destroy();
      await closed(third);
    });
  });

  describe('console lifetime', () => {
    const child = join(dirname(fileURLToPath(import.meta.url)), 'consoleExitChild.ts');
    for (const mode of ['end', 'destroy']) {
      it(`lets Node exit once a console stream is closed (${mode})`, async () => {
        // An open stream keeps Node alive like a socket; a closed one must not (the child exits by itself).
        const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', child, env!.host2Uri, dom.getName(), mode], {
          timeout: GUEST_DEADLINE_MS,
        });
        expect(stdout).toBe('closed\n');
      });
    }
  });

  describe('guest agent', () => {
    it('rejects a command when the guest has no agent channel, and the guest keeps running', async () => {
      await expectLibvirtError(
        dom.qemuAgentCommand(
          '{"execute":"guest-ping"}',
          virDomainQemuAgentCommandTimeoutValues.VIR_DOMAIN_QEMU_AGENT_COMMAND_DEFAULT,
        ),
        'VIR_ERR_ARGUMENT_UNSUPPORTED',
      );
      expect(await dom.isActive()).toBe(true);
      const from = await serialLogSize(guest.serialLogPath);
      await waitForSerial(guest.serialLogPath, SERIAL.counter, GUEST_DEADLINE_MS, { fromOffset: from });
    });
  });

  describe('volume upload / download', () => {
    let dir: string;
    let pool: StoragePool;
    const volXml = (name: string, bytes: number) =>
      `<volume><name>${name}</name><capacity unit='bytes'>${bytes}</capacity><allocation unit='bytes'>0</allocation><target><format type='raw'/></target></volume>`;

    beforeAll(async () => {
      dir = mkdtempSync(join(env!.images, prefix));
      pool = await conn.createStoragePoolXML(
        `<pool type='dir'><name>${prefix}pool</name><target><path>${dir}</path></target></pool>`,
      );
    });

    afterAll(async () => {
      if (pool) {
        for (const vol of await pool.listAllVolumes().catch(() => [])) await vol.delete().catch(() => undefined);
        await pool.destroy().catch(() => undefined); // transient: destroy removes it
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('uploads a buffer (the file holds its bytes) and downloads the same bytes', async () => {
      const vol = await pool.createVolumeXML(volXml(`${prefix}up.img`, 2 * MiB));
      const data = randomBytes(2 * MiB);
      await uploadVolume(vol, data);
      expect(sha256(readFileSync(await vol.getPath()))).toBe(sha256(data));
      expect(sha256(await collect(downloadVolume(vol)))).toBe(sha256(data));
    });

    it('uploads a Readable at an offset and downloads a range', async () => {
      const vol = await pool.createVolumeXML(volXml(`${prefix}range.img`, MiB));
      const parts = [Buffer.from('tandem-'), Buffer.from('stream-'), Buffer.from('range')];
      await uploadVolume(vol, Readable.from(parts), { offset: 4096, length: 19 });
      const file = readFileSync(await vol.getPath());
      expect(file.subarray(4096, 4096 + 19).toString()).toBe('tandem-stream-range');
      expect(file.subarray(0, 4096).every((b) => b === 0)).toBe(true);
      const range = await collect(downloadVolume(vol, { offset: 4096 + 7, length: 6 }));
      expect(range.toString()).toBe('stream');
    });

    it('aborts an upload whose source fails; the volume takes a new upload afterwards', async () => {
      const vol = await pool.createVolumeXML(volXml(`${prefix}abort.img`, MiB));
      const failing = new Readable({
        read() {
          this.push(Buffer.alloc(4096, 1));
          this.destroy(new Error('source failed'));
        },
      });
      await expect(uploadVolume(vol, failing)).rejects.toThrow('source failed');
      const data = randomBytes(MiB);
      await uploadVolume(vol, data);
      expect(sha256(readFileSync(await vol.getPath()))).toBe(sha256(data));
    });

    it('fails transfers of a deleted volume with LibvirtErrors (upload rejects, download errors)', async () => {
      const vol = await pool.createVolumeXML(volXml(`${prefix}gone.img`, MiB));
      await vol.delete();
      await expectLibvirtError(uploadVolume(vol, Buffer.alloc(16)), 'VIR_ERR_NO_STORAGE_VOL');
      await expectLibvirtError(collect(downloadVolume(vol)), 'VIR_ERR_NO_STORAGE_VOL');
    });
  });

  describe('graphics (host0: descriptors pass over unix sockets only)', () => {
    let conn0: Connection;
    let vncGuest: TinyGuest;
    let vncDom: Domain;

    beforeAll(async () => {
      conn0 = await openConnection(env!.host0Uri);
      vncGuest = await createTinyGuest(env!, { name: `${prefix}vnc` });
      // Paused is enough: QEMU's VNC server runs from the start.
      vncDom = await conn0.createDomainXML(vncGuest.xml, virDomainCreateFlags.VIR_DOMAIN_START_PAUSED);
    });

    afterAll(async () => {
      if (vncDom) await vncDom.destroy().catch(() => undefined);
      await conn0?.close();
      if (vncGuest) await removeTinyGuest(vncGuest);
    });

    it('opens the VNC server as a socket that greets with the RFB version', async () => {
      const socket = await openGraphicsSocket(vncDom, 0);
      try {
        const greeting = await new Promise<string>((resolve, reject) => {
          let text = '';
          socket.on('data', (chunk: Buffer) => {
            text += chunk.toString('latin1');
            if (text.includes('\n')) resolve(text);
          });
          socket.once('error', reject);
        });
        expect(greeting).toBe('RFB 003.008\n');
      } finally {
        socket.destroy();
      }
    });

    it('rejects a graphics index the domain does not have', async () => {
      await expectLibvirtError(vncDom.openGraphicsFD(7), 'VIR_ERR_INTERNAL_ERROR');
    });

    it('rejects over TCP, where descriptors cannot be passed (and libvirt drops that connection)', async () => {
      // A connection of its own: after this failure libvirt's client closes its socket.
      const tcp = await openConnection(env!.host2Uri);
      try {
        const error = await expectLibvirtError(
          (await tcp.lookupDomainByName(dom.getName())).openGraphicsFD(0),
          'VIR_ERR_INTERNAL_ERROR',
        );
        expect(error.message).toMatch(/file descriptors is not supported/);
      } finally {
        await tcp.close().catch(() => undefined);
      }
      expect(await dom.isActive()).toBe(true);
    });
  });
});
