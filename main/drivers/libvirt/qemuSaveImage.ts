/**
 * libvirt's QEMU save image: what `virDomainSave` writes and `virDomainRestoreFlags` reads (libvirt 9.0,
 * src/qemu/qemu_saveimage.h). A fixed header, then `dataLength` bytes holding the domain XML (NUL-ended) and
 * an optional save cookie, then QEMU's migration stream up to the end of the file.
 *
 * Header, in the host's byte order (libvirt byte-swaps a header whose version reads too large):
 * "LibvirtQemudSave" (16 bytes) | u32 version (2) | u32 dataLength | u32 wasRunning | u32 format (0: raw) |
 * u32 cookieOffset (0: no cookie) | u32 unused[14]: 92 bytes.
 *
 * Tandem writes this header itself in front of the stream of QEMU's background snapshot, so the memory state
 * of such a checkpoint is an ordinary save image that libvirt restores like its own. It writes no cookie: the
 * cookie carries the CPU definition the guest started with (for host-model CPUs) and whether a slirp helper
 * was used, and restore treats a missing one as "nothing to adjust"; the migratable XML written here and the
 * XML given to the restore already hold the CPU as the guest runs it.
 */
import { open } from 'node:fs/promises';
import { endianness } from 'node:os';

export const SAVE_IMAGE_MAGIC = 'LibvirtQemudSave';
export const SAVE_IMAGE_VERSION = 2;
export const SAVE_IMAGE_HEADER_BYTES = 92;
/** virQEMUSaveFormat: raw (uncompressed) stream. */
const FORMAT_RAW = 0;

export interface SaveImageHeader {
  version: number;
  /** Bytes after the header before QEMU's stream starts (XML + NUL + cookie + padding). */
  dataLength: number;
  wasRunning: boolean;
  format: number;
  cookieOffset: number;
  /** The domain XML (up to its NUL). */
  domainXml: string;
}

const littleEndian = endianness() === 'LE';

function writeU32(buf: Buffer, value: number, offset: number): void {
  if (littleEndian) buf.writeUInt32LE(value, offset);
  else buf.writeUInt32BE(value, offset);
}

function readU32(buf: Buffer, offset: number): number {
  return littleEndian ? buf.readUInt32LE(offset) : buf.readUInt32BE(offset);
}

/** The header and the XML, ready to be followed by QEMU's migration stream. */
export function encodeSaveImageHeader(domainXml: string, options: { wasRunning: boolean }): Buffer {
  const xml = Buffer.from(`${domainXml}\0`, 'utf8');
  if (xml.indexOf(0) !== xml.length - 1) throw new Error('The domain XML contains a NUL byte');
  const header = Buffer.alloc(SAVE_IMAGE_HEADER_BYTES);
  header.write(SAVE_IMAGE_MAGIC, 0, 'latin1');
  writeU32(header, SAVE_IMAGE_VERSION, 16);
  writeU32(header, xml.length, 20);
  writeU32(header, options.wasRunning ? 1 : 0, 24);
  writeU32(header, FORMAT_RAW, 28);
  writeU32(header, 0, 32);
  return Buffer.concat([header, xml]);
}

/** Reads a save image's header and XML from the file's first bytes; null when they are not one (or cut short). */
export function decodeSaveImageHeader(bytes: Buffer): SaveImageHeader | null {
  if (bytes.length < SAVE_IMAGE_HEADER_BYTES || bytes.toString('latin1', 0, 16) !== SAVE_IMAGE_MAGIC) return null;
  const dataLength = readU32(bytes, 20);
  if (bytes.length < SAVE_IMAGE_HEADER_BYTES + dataLength) return null;
  const data = bytes.subarray(SAVE_IMAGE_HEADER_BYTES, SAVE_IMAGE_HEADER_BYTES + dataLength);
  const nul = data.indexOf(0);
  return {
    version: readU32(bytes, 16),
    dataLength,
    wasRunning: readU32(bytes, 24) !== 0,
    format: readU32(bytes, 28),
    cookieOffset: readU32(bytes, 32),
    domainXml: data.toString('utf8', 0, nul < 0 ? data.length : nul),
  };
}

/** QEMU's migration stream (migration/savevm.c): file magic "QEVM", then version 3. */
const STREAM_MAGIC = 0x5145564d;
const STREAM_VERSION = 3;
const QEMU_VM_EOF = 0x00;
const QEMU_VM_VMDESCRIPTION = 0x06;
/** The JSON description of the devices that ends a stream is about 100 KiB for a small guest. */
const TAIL_BYTES = 4 * 1024 * 1024;

/**
 * Whether a save image holds a whole migration stream: our header, QEMU's stream header, and the end QEMU
 * writes last (an EOF byte, then the device description: a byte 0x06, a big-endian u32 length and that much
 * JSON, up to the end of the file). A write cut short ends in the middle of RAM or device sections instead.
 * Used by recovery, when nobody watched the write end. A stream without the description (QEMU's
 * `suppress-vmdesc` machine option, which libvirt does not set) reads as incomplete: a safe answer.
 */
export async function saveImageIsComplete(path: string): Promise<boolean> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  try {
    const { size } = await file.stat();
    const head = Buffer.alloc(SAVE_IMAGE_HEADER_BYTES);
    await file.read(head, 0, head.length, 0);
    if (head.toString('latin1', 0, 16) !== SAVE_IMAGE_MAGIC) return false;
    const streamStart = SAVE_IMAGE_HEADER_BYTES + readU32(head, 20);
    if (size < streamStart + 8 + 6) return false;
    const streamHead = Buffer.alloc(8);
    await file.read(streamHead, 0, 8, streamStart);
    if (streamHead.readUInt32BE(0) !== STREAM_MAGIC || streamHead.readUInt32BE(4) !== STREAM_VERSION) return false;
    const tailLength = Math.min(TAIL_BYTES, size - streamStart - 8);
    const tail = Buffer.alloc(tailLength);
    await file.read(tail, 0, tailLength, size - tailLength);
    for (let p = tailLength - 6; p >= 0; p--) {
      if (tail[p] !== QEMU_VM_EOF || tail[p + 1] !== QEMU_VM_VMDESCRIPTION || tail.readUInt32BE(p + 2) !== tailLength - p - 6) continue;
      try {
        const description = JSON.parse(tail.toString('utf8', p + 6)) as { devices?: unknown };
        return Array.isArray(description.devices);
      } catch {
        return false;
      }
    }
    return false;
  } finally {
    await file.close();
  }
}
