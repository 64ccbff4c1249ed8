/**
 * Streams and domain channels on libvirt's test driver, which has none of the transfers (console, volume
 * upload / download, graphics descriptors, guest agent): what is checked here is the binding's side of
 * them: argument checks (TypeErrors before any work), failures as LibvirtErrors, and that the Node wrappers
 * fail cleanly and free what they created. The transfers themselves run on the QEMU test bed:
 * test/integration/testbed/binding-streams.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  downloadVolume,
  loadBinding,
  openConnection,
  openConsoleStream,
  openGraphicsSocket,
  uploadVolume,
  virStreamEventType,
  type Connection,
  type Domain,
  type StorageVol,
} from '../lib/index';
import { expectLibvirtError } from './helpers';

const unique = `st-${process.pid}`;

describe('streams on the test driver', () => {
  let conn: Connection;
  let dom: Domain;
  let vol: StorageVol;

  beforeEach(async () => {
    conn = await openConnection('test:///default');
    dom = await conn.lookupDomainByName('test');
    const pool = await conn.lookupStoragePoolByName('default-pool');
    vol = await pool.createVolumeXML(
      `<volume><name>${unique}.img</name><capacity unit='bytes'>4096</capacity></volume>`,
    );
  });

  afterEach(async () => {
    await vol.delete().catch(() => undefined);
    await conn.close();
  });

  it('creates streams from a connection, a domain and a volume', () => {
    const Stream = (loadBinding() as unknown as { Stream: new (...args: unknown[]) => unknown }).Stream;
    for (const stream of [conn.newStream(), dom.newStream(), vol.newStream()]) {
      expect(stream).toBeInstanceOf(Stream);
      stream.free();
    }
    expect(() => new Stream()).toThrow(TypeError);
  });

  it('reports the driver lacking stream I/O as LibvirtErrors, synchronously for the local calls', async () => {
    const stream = conn.newStream();
    for (const call of [
      () => stream.recv(),
      () => stream.send(Buffer.from('x')),
      () => stream.eventAddCallback(virStreamEventType.VIR_STREAM_EVENT_READABLE, () => undefined),
    ]) {
      expect(call).toThrow(expect.objectContaining({ codeName: 'VIR_ERR_NO_SUPPORT' }));
    }
    await expectLibvirtError(stream.finish(), 'VIR_ERR_NO_SUPPORT');
    await stream.abort(); // no transfer attached: nothing to abort
    stream.free();
  });

  it('refuses use after free(); free() twice is harmless', async () => {
    const stream = conn.newStream();
    stream.free();
    stream.free();
    expect(() => stream.recv()).toThrow(expect.objectContaining({ codeName: 'VIR_ERR_INVALID_STREAM' }));
    expect(() => stream.eventRemoveCallback()).toThrow(expect.objectContaining({ codeName: 'VIR_ERR_INVALID_STREAM' }));
    expect(() => stream.finish()).toThrow(expect.objectContaining({ codeName: 'VIR_ERR_INVALID_STREAM' }));
    expect(() => dom.openConsole(null, stream)).toThrow(expect.objectContaining({ codeName: 'VIR_ERR_INVALID_STREAM' }));
  });

  it('checks arguments before any work', () => {
    const stream = conn.newStream();
    const typeErrors: Array<() => unknown> = [
      () => stream.recv(0),
      () => stream.recv(2 * 1024 * 1024),
      () => stream.send('text' as unknown as Uint8Array),
      () => stream.eventAddCallback(64, () => undefined),
      () => stream.eventAddCallback(0, 'nope' as unknown as () => void),
      () => stream.eventUpdateCallback(-1),
      () => dom.openConsole(5 as unknown as string, stream),
      () => dom.openConsole(null, {} as never),
      () => dom.openConsole(null, stream, -1),
      () => vol.upload({} as never, 0, 0),
      () => vol.upload(stream, -1, 0),
      () => vol.download(stream, 0, 0.5),
      () => dom.openGraphicsFD(-1),
      () => dom.qemuAgentCommand(5 as unknown as string, -1),
      () => dom.qemuAgentCommand('{}', -3),
      () => dom.qemuAgentCommand('{}', 'soon' as unknown as number),
    ];
    for (const call of typeErrors) expect(call).toThrow(TypeError);
    // The one-shot re-arm needs a registered callback first.
    expect(() => stream.eventUpdateCallback(0)).toThrow(/no event callback/);
    stream.free();
  });

  it('rejects transfers the driver lacks with LibvirtErrors', async () => {
    const stream = conn.newStream();
    await expectLibvirtError(dom.openConsole(null, stream), 'VIR_ERR_NO_SUPPORT');
    await expectLibvirtError(vol.upload(stream, 0, 0), 'VIR_ERR_NO_SUPPORT');
    await expectLibvirtError(vol.download(stream, 0, 0), 'VIR_ERR_NO_SUPPORT');
    stream.free();
    await expectLibvirtError(dom.openGraphicsFD(0), 'VIR_ERR_NO_SUPPORT');
    await expectLibvirtError(dom.qemuAgentCommand('{"execute":"guest-ping"}', -1), 'VIR_ERR_NO_SUPPORT');
  });

  it('fails the Node wrappers cleanly: rejections and stream errors are LibvirtErrors', async () => {
    await expectLibvirtError(openConsoleStream(dom), 'VIR_ERR_NO_SUPPORT');
    await expectLibvirtError(openGraphicsSocket(dom), 'VIR_ERR_NO_SUPPORT');
    await expectLibvirtError(uploadVolume(vol, Buffer.from('tandem')), 'VIR_ERR_NO_SUPPORT');
    const download = downloadVolume(vol);
    const error = await new Promise<unknown>((resolve) => download.once('error', resolve));
    expect(error).toMatchObject({ codeName: 'VIR_ERR_NO_SUPPORT', function: 'virStorageVolDownload' });
    await new Promise((resolve) => (download.closed ? resolve(undefined) : download.once('close', resolve)));
  });
});
