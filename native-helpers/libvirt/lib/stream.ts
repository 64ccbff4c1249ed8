/**
 * Streams (src/stream.cc, src/stream_calls.cc, libvirt-stream.h): the native Stream, the calls that attach
 * one to a transfer (a domain's console, a volume's upload / download), and Node stream wrappers of them:
 * `openConsoleStream` (a Duplex), `downloadVolume` (a Readable), `uploadVolume` (a promise).
 *
 * Threads: readiness comes from libvirt's event loop thread; recv/send run on the JS thread but never
 * block (the stream is VIR_STREAM_NONBLOCK: recv returns null when nothing has arrived, the remote driver's
 * send queues); finish/abort wait for the daemon on a worker. See src/stream.h.
 *
 * Lifetime: like a socket, an open stream keeps Node alive and is not garbage collected while its event
 * callback is registered: end() or destroy() it. The wrappers remove the callback and abort / finish and free
 * the native stream when they end, fail or are destroyed.
 */
import { Duplex, Readable, type DuplexOptions } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { virStreamEventType } from './constants.generated';
import type { StorageVol } from './storage';
import type { Domain } from './types';

/** A libvirt stream (virStreamPtr), always non-blocking. Use the wrappers below unless you need the raw calls. */
export interface Stream {
  /** virStreamEventAddCallback; one per stream. events: virStreamEventType mask. Keeps Node alive until removed. */
  eventAddCallback(events: number, callback: (events: number) => void): void;
  /**
   * virStreamEventUpdateCallback. Registrations are one-shot: each callback disarms it (events 0) before
   * it is posted to JS, so call this each time you want to hear again.
   */
  eventUpdateCallback(events: number): void;
  eventRemoveCallback(): void;
  /** virStreamRecv: data, an empty Buffer at end of stream, or null when nothing has arrived yet. */
  recv(maxBytes?: number): Buffer | null;
  /** virStreamSend: the bytes accepted (possibly fewer than given), or null when it would block. */
  send(data: Uint8Array): number | null;
  /** virStreamFinish: completes the transfer and reports its outcome. Removes the event callback. */
  finish(): Promise<void>;
  /** virStreamAbort. Removes the event callback. */
  abort(): Promise<void>;
  /** Removes the callback and drops the reference now; an active transfer is aborted in the background. */
  free(): void;
}

declare module './types' {
  interface Connection {
    /** virStreamNew(conn, VIR_STREAM_NONBLOCK); local. */
    newStream(): Stream;
  }
  interface Domain {
    /** A new stream on this domain's connection (virDomainGetConnect + virStreamNew); local. */
    newStream(): Stream;
    /**
     * virDomainOpenConsole: attaches `stream` to the console (or serial/parallel device alias) `devName`,
     * null for the first console. flags: virDomainConsoleFlags (SAFE, FORCE: take over an open session).
     */
    openConsole(devName: string | null, stream: Stream, flags?: number): Promise<void>;
  }
}

declare module './storage' {
  interface StorageVol {
    /** A new stream on this volume's connection (virStorageVolGetConnect + virStreamNew); local. */
    newStream(): Stream;
    /** virStorageVolUpload: then send the bytes and finish(). length 0: to the end. flags: virStorageVolUploadFlags */
    upload(stream: Stream, offset: number, length: number, flags?: number): Promise<void>;
    /** virStorageVolDownload: then recv the bytes and finish(). length 0: to the end. flags: virStorageVolDownloadFlags */
    download(stream: Stream, offset: number, length: number, flags?: number): Promise<void>;
  }
}

const { VIR_STREAM_EVENT_READABLE, VIR_STREAM_EVENT_WRITABLE, VIR_STREAM_EVENT_ERROR, VIR_STREAM_EVENT_HANGUP } =
  virStreamEventType;
const FAILURE_EVENTS = VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP;
/** Bytes per virStreamSend: the remote driver's packets carry at most 256 KiB. */
const MAX_SEND = 256 * 1024;

interface StreamDuplexOptions {
  readable?: boolean;
  writable?: boolean;
  /** Attaches the native stream to its transfer (an RPC) before any I/O; a rejection destroys the stream. */
  start?: () => Promise<void>;
}

/**
 * A Node Duplex over a native Stream, driven by its one-shot event callback. Reading stops while push()
 * returns false and resumes on _read(); writing waits for WRITABLE when send() would block. End of data from
 * libvirt ends the readable side; end() finishes the transfer (virStreamFinish, reporting its outcome);
 * destroy() or an error aborts it. Either way the callback is removed and the native stream freed.
 */
class StreamDuplex extends Duplex {
  readonly #native: Stream;
  readonly #start?: () => Promise<void>;
  /** A download: libvirt's end of data completes the transfer (there is no writable side to end). */
  readonly #readOnly: boolean;
  #wantRead = false;
  #pendingWrite?: { chunk: Buffer; callback: (error?: Error | null) => void };
  #finishing?: Promise<void>;

  constructor(native: Stream, options: StreamDuplexOptions = {}) {
    // No half-open console: once libvirt reports end of data, end the writable side too (that finishes).
    // `readable` / `writable` are Duplex options since Node 11 that @types/node does not declare.
    const duplexOptions = { allowHalfOpen: false, readable: options.readable ?? true, writable: options.writable ?? true };
    super(duplexOptions as DuplexOptions);
    this.#native = native;
    this.#start = options.start;
    this.#readOnly = options.writable === false;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    const start = this.#start ? this.#start() : Promise.resolve();
    start.then(
      () => {
        try {
          this.#native.eventAddCallback(0, (events) => this.#onEvent(events));
        } catch (error) {
          callback(error as Error);
          return;
        }
        callback();
      },
      (error: Error) => callback(error),
    );
  }

  override _read(): void {
    this.#wantRead = true;
    this.#pump();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#pendingWrite = { chunk, callback };
    this.#flush();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#finish().then(() => {
      // libvirt streams cannot half-close: after finish() nothing more will arrive.
      if (this.readable && !this.readableEnded) this.push(null);
      callback();
    }, callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const settled = this.#finishing ?? this.#native.abort();
    this.#finishing = settled;
    settled
      .catch(() => undefined) // the transfer is being torn down: its own failure is moot
      .finally(() => {
        this.#native.free();
        callback(error);
      });
  }

  #finish(): Promise<void> {
    this.#finishing ??= this.#native.finish();
    return this.#finishing;
  }

  /** Event loop thread -> here, once per armed registration. Stale events after finish/abort are ignored. */
  #onEvent(_events: number): void {
    if (this.#finishing || this.destroyed) return;
    if (this.#wantRead) this.#pump();
    if (this.#pendingWrite) this.#flush();
  }

  /** Re-arms the one-shot registration for what is awaited now. */
  #arm(): void {
    if (this.#finishing || this.destroyed) return;
    let events = 0;
    if (this.#wantRead) events |= VIR_STREAM_EVENT_READABLE | FAILURE_EVENTS;
    if (this.#pendingWrite) events |= VIR_STREAM_EVENT_WRITABLE | FAILURE_EVENTS;
    try {
      this.#native.eventUpdateCallback(events);
    } catch (error) {
      this.destroy(error as Error);
    }
  }

  #pump(): void {
    while (this.#wantRead && !this.#finishing && !this.destroyed) {
      let chunk: Buffer | null;
      try {
        chunk = this.#native.recv();
      } catch (error) {
        this.destroy(error as Error);
        return;
      }
      if (chunk === null) {
        this.#arm();
        return;
      }
      if (chunk.length === 0) {
        this.#wantRead = false;
        this.#onEndOfData();
        return;
      }
      this.#wantRead = this.push(chunk);
    }
  }

  /**
   * libvirt sent end of data. Read-only (a download): finish first so a failed transfer is an error, not a
   * short read. Otherwise end the readable side; allowHalfOpen false then ends the writable side, whose
   * _final finishes.
   */
  #onEndOfData(): void {
    if (this.#readOnly) {
      this.#finish().then(
        () => this.push(null),
        (error: Error) => this.destroy(error),
      );
      return;
    }
    this.push(null);
  }

  #flush(): void {
    const pending = this.#pendingWrite;
    if (!pending || this.#finishing || this.destroyed) return;
    while (pending.chunk.length > 0) {
      let sent: number | null;
      try {
        sent = this.#native.send(pending.chunk.subarray(0, MAX_SEND));
      } catch (error) {
        this.#pendingWrite = undefined;
        pending.callback(error as Error);
        return;
      }
      if (sent === null) {
        this.#arm();
        return;
      }
      pending.chunk = pending.chunk.subarray(sent);
    }
    this.#pendingWrite = undefined;
    pending.callback();
  }
}

/**
 * Opens `domain`'s console as a Duplex: what the guest writes to its serial port is readable, what is
 * written goes to the guest. devName: a console / serial alias, or null for the first console; flags:
 * virDomainConsoleFlags (VIR_DOMAIN_CONSOLE_FORCE takes over a session another client holds: that one
 * ends). end() closes the console; so does the guest stopping (the readable side ends).
 */
export async function openConsoleStream(domain: Domain, devName: string | null = null, flags = 0): Promise<Duplex> {
  const native = domain.newStream();
  try {
    await domain.openConsole(devName, native, flags);
  } catch (error) {
    native.free();
    throw error;
  }
  return new StreamDuplex(native);
}

export interface VolumeTransferOptions {
  /** Byte offset in the volume, default 0. */
  offset?: number;
  /** Bytes to transfer; default (0): to the end of the volume (upload: a Buffer's length). */
  length?: number;
  /** virStorageVolUploadFlags / virStorageVolDownloadFlags. SPARSE_STREAM is not supported (holes are not bound). */
  flags?: number;
}

/** Streams the content of `vol` (virStorageVolDownload) as a Readable; errors of the transfer are 'error's. */
export function downloadVolume(vol: StorageVol, options: VolumeTransferOptions = {}): Readable {
  const native = vol.newStream();
  return new StreamDuplex(native, {
    writable: false,
    start: () => vol.download(native, options.offset ?? 0, options.length ?? 0, options.flags ?? 0),
  });
}

/**
 * Writes `data` into `vol` (virStorageVolUpload) and resolves once libvirt confirmed the transfer
 * (virStreamFinish). A Readable source failing, or the transfer failing, rejects and aborts the transfer.
 */
export async function uploadVolume(
  vol: StorageVol,
  data: Readable | Buffer,
  options: VolumeTransferOptions = {},
): Promise<void> {
  const isBuffer = Buffer.isBuffer(data);
  const length = options.length ?? (isBuffer ? data.length : 0);
  const native = vol.newStream();
  const sink = new StreamDuplex(native, {
    readable: false,
    start: () => vol.upload(native, options.offset ?? 0, length, options.flags ?? 0),
  });
  await pipeline(isBuffer ? Readable.from([data]) : data, sink);
}
