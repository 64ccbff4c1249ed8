/**
 * libvirt's save image header as Tandem writes and reads it, and the "is the stream whole" check recovery
 * relies on, on synthetic files (a real libvirt save and a real background snapshot are read in
 * test/integration/testbed/checkpointBackgroundSnapshot.test.ts, and restored by libvirt in the checkpoint suites).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { endianness, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSaveImageHeader, encodeSaveImageHeader, saveImageIsComplete, SAVE_IMAGE_HEADER_BYTES } from './qemuSaveImage';

const XML = "<domain type='qemu'><name>é</name></domain>";

/** A stream's skeleton: "QEVM", version 3, some sections, EOF, then the device description. */
function stream(description: string, body = Buffer.alloc(5000, 7)): Buffer {
  const json = Buffer.from(description);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(0x5145564d, 0);
  head.writeUInt32BE(3, 4);
  const tail = Buffer.alloc(6);
  tail[0] = 0x00;
  tail[1] = 0x06;
  tail.writeUInt32BE(json.length, 2);
  return Buffer.concat([head, body, tail, json]);
}

describe('libvirt save image header', () => {
  it('lays the header out as libvirt 9.0 does: magic, version 2, data length, running, raw, no cookie, then the XML', () => {
    const bytes = encodeSaveImageHeader(XML, { wasRunning: true });
    const u32 = (offset: number) => (endianness() === 'LE' ? bytes.readUInt32LE(offset) : bytes.readUInt32BE(offset));
    expect(bytes.toString('latin1', 0, 16)).toBe('LibvirtQemudSave');
    expect([u32(16), u32(20), u32(24), u32(28), u32(32)]).toEqual([2, Buffer.byteLength(XML) + 1, 1, 0, 0]);
    expect(bytes.subarray(36, SAVE_IMAGE_HEADER_BYTES).every((b) => b === 0)).toBe(true);
    expect(bytes.length).toBe(SAVE_IMAGE_HEADER_BYTES + Buffer.byteLength(XML) + 1);
    expect(bytes.at(-1)).toBe(0);
  });

  it('reads back what it writes, and refuses what is not a save image', () => {
    const bytes = encodeSaveImageHeader(XML, { wasRunning: false });
    expect(decodeSaveImageHeader(bytes)).toEqual({ version: 2, dataLength: Buffer.byteLength(XML) + 1, wasRunning: false, format: 0, cookieOffset: 0, domainXml: XML });
    expect(decodeSaveImageHeader(bytes.subarray(0, bytes.length - 1))).toBeNull();
    expect(decodeSaveImageHeader(Buffer.concat([Buffer.from('LibvirtQemudPart'), bytes.subarray(16)]))).toBeNull();
    expect(() => encodeSaveImageHeader('<domain>\0</domain>', { wasRunning: true })).toThrow(/NUL/);
  });
});

describe('whole save image check', () => {
  let folder: string;
  const file = async (name: string, ...parts: Buffer[]) => {
    const path = join(folder, name);
    await writeFile(path, Buffer.concat(parts));
    return path;
  };

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'tandem-saveimage-'));
  });

  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('accepts a header followed by a stream that ends with its device description', async () => {
    const header = encodeSaveImageHeader(XML, { wasRunning: true });
    expect(await saveImageIsComplete(await file('whole', header, stream('{"page_size": 4096, "devices": []}')))).toBe(true);
  });

  it('refuses a stream cut short, with trailing bytes, without the description, another header or none', async () => {
    const header = encodeSaveImageHeader(XML, { wasRunning: true });
    const whole = stream('{"page_size": 4096, "devices": []}');
    expect(await saveImageIsComplete(await file('cut', header, whole.subarray(0, whole.length - 3)))).toBe(false);
    expect(await saveImageIsComplete(await file('cut-in-ram', header, whole.subarray(0, 3000)))).toBe(false);
    expect(await saveImageIsComplete(await file('trailing', header, whole, Buffer.from([0])))).toBe(false);
    expect(await saveImageIsComplete(await file('not-json', header, stream('{"page_size": 4096, "devices": [')))).toBe(false);
    expect(await saveImageIsComplete(await file('no-devices', header, stream('{"page_size": 4096}')))).toBe(false);
    const notQemu = Buffer.from(whole);
    notQemu.write('QEVX', 0, 'latin1');
    expect(await saveImageIsComplete(await file('not-qemu', header, notQemu))).toBe(false);
    expect(await saveImageIsComplete(await file('header-only', header))).toBe(false);
    expect(await saveImageIsComplete(await file('no-header', whole))).toBe(false);
    expect(await saveImageIsComplete(join(folder, 'missing'))).toBe(false);
  });
});
