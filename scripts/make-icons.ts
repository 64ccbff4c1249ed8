/**
 * Draws Tandem's icons (two overlapping rounded squares, "two machines in step") into assets/ as PNGs, so
 * the binary files can be regenerated from source: `npm run icons`. No image library needed: a 4x4
 * supersampled rasterizer and Node's zlib make the PNGs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

type Rgba = [number, number, number, number];

function roundedRect(x: number, y: number, [x0, y0, x1, y1]: number[], r: number): boolean {
  if (x < x0! || x > x1! || y < y0! || y > y1!) return false;
  const cx = Math.min(Math.max(x, x0! + r), x1! - r);
  const cy = Math.min(Math.max(y, y0! + r), y1! - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

/** Colour of a point in the unit square. */
function shade(x: number, y: number, monochrome: boolean): Rgba {
  const back: number[] = [0.06, 0.26, 0.5, 0.74];
  const front: number[] = [0.3, 0.08, 0.94, 0.52];
  if (roundedRect(x, y, front, 0.09)) return monochrome ? [255, 255, 255, 255] : [255, 255, 255, 255];
  if (roundedRect(x, y, [front[0]! - 0.05, front[1]! - 0.05, front[2]! + 0.05, front[3]! + 0.05], 0.12)) {
    return monochrome ? [0, 0, 0, 0] : [47, 111, 222, 255]; // a gap that separates the two machines
  }
  if (roundedRect(x, y, back, 0.09)) return monochrome ? [255, 255, 255, 255] : [200, 220, 255, 255];
  if (!monochrome && roundedRect(x, y, [0, 0, 1, 1], 0.2)) return [47, 111, 222, 255];
  return [0, 0, 0, 0];
}

function render(size: number, monochrome: boolean): Buffer {
  const SS = 4;
  const rows: Buffer[] = [];
  for (let py = 0; py < size; py++) {
    const row = Buffer.alloc(1 + size * 4); // filter byte 0, then RGBA
    for (let px = 0; px < size; px++) {
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < SS; sy++)
        for (let sx = 0; sx < SS; sx++) {
          const c = shade((px + (sx + 0.5) / SS) / size, (py + (sy + 0.5) / SS) / size, monochrome);
          for (let i = 0; i < 3; i++) acc[i]! += c[i]! * c[3];
          acc[3]! += c[3];
        }
      const alpha = acc[3]! / (SS * SS);
      for (let i = 0; i < 3; i++) row[1 + px * 4 + i] = alpha ? Math.round(acc[i]! / acc[3]!) : 0;
      row[1 + px * 4 + 3] = Math.round(alpha);
    }
    rows.push(row);
  }
  return png(size, size, Buffer.concat(rows));
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function png(width: number, height: number, raw: Buffer): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const assets = join(import.meta.dirname, '..', 'assets');
writeFileSync(join(assets, 'icon.png'), render(256, false));
writeFileSync(join(assets, 'tray-icon.png'), render(22, false));
writeFileSync(join(assets, 'tray-icon@2x.png'), render(44, false));
writeFileSync(join(assets, 'tray-icon-monochrome.png'), render(22, true));
console.log(`icons written to ${assets}`);
