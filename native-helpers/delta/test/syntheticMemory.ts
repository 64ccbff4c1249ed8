/**
 * Memory-state-like test data: a guest RAM image (zero pages, text-like pages, pointer-heavy pages, random
 * pages) and a QEMU-migration-stream-like serialisation of it as libvirt 9 / QEMU 7.2 write one for a save:
 * a variable-length header (libvirt's save header + domain XML), then one record per page (8-byte big-endian
 * `address | flags`, then 4096 bytes, or a single fill byte for a zero page), then the pages dirtied during
 * the save sent again in the order they were dirtied. So a child image is neither aligned with its parent nor
 * in the same order at its tail, which is what the content-defined chunker has to cope with.
 */
export const PAGE = 4096;

/** Deterministic PRNG (mulberry32) so tests and benchmarks see the same data every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['kernel', 'page', 'task', 'inode', 'socket', 'buffer', 'tandem', 'qemu', 'counter', 'guest', 'free'];

function fillPage(page: Buffer, kind: number, random: () => number) {
  if (kind === 0) return page.fill(0);
  if (kind === 1) {
    let text = '';
    while (text.length < PAGE) text += `${WORDS[Math.floor(random() * WORDS.length)]} ${Math.floor(random() * 1000)}\n`;
    return page.write(text.slice(0, PAGE), 'latin1');
  }
  if (kind === 2) {
    const base = 0xffff_8880_0000_0000n + BigInt(Math.floor(random() * 2 ** 30)) * 4096n;
    for (let o = 0; o < PAGE; o += 8) page.writeBigUInt64LE(base + BigInt(Math.floor(random() * 4096) * 8), o);
    return page;
  }
  for (let o = 0; o < PAGE; o += 4) page.writeUInt32LE(Math.floor(random() * 2 ** 32), o);
  return page;
}

/** A guest RAM image of `pages` pages: about 35 % zero, 25 % text, 25 % pointers, 15 % random. */
export function makeGuestRam(pages: number, seed = 1): Buffer {
  const random = prng(seed);
  const ram = Buffer.alloc(pages * PAGE);
  for (let p = 0; p < pages; p++) {
    const r = random();
    fillPage(ram.subarray(p * PAGE, (p + 1) * PAGE), r < 0.35 ? 0 : r < 0.6 ? 1 : r < 0.85 ? 2 : 3, random);
  }
  return ram;
}

/** A copy of `ram` where `fraction` of the pages were rewritten (some zeroed, some filled); returns their numbers too. */
export function dirtyGuestRam(ram: Buffer, fraction: number, seed = 2): { ram: Buffer; dirtied: number[] } {
  const random = prng(seed);
  const pages = ram.length / PAGE;
  const child = Buffer.from(ram);
  const dirtied = new Set<number>();
  const target = Math.round(pages * fraction);
  while (dirtied.size < target) dirtied.add(Math.floor(random() * pages));
  for (const p of dirtied) {
    const r = random();
    fillPage(child.subarray(p * PAGE, (p + 1) * PAGE), r < 0.15 ? 0 : r < 0.5 ? 1 : r < 0.8 ? 2 : 3, random);
  }
  return { ram: child, dirtied: [...dirtied] };
}

const FLAG_ZERO = 0x02;
const FLAG_PAGE = 0x08;
const FLAG_CONTINUE = 0x20;

function pageRecord(ram: Buffer, page: number): Buffer {
  const bytes = ram.subarray(page * PAGE, (page + 1) * PAGE);
  const zero = bytes.every((b) => b === 0);
  const head = Buffer.alloc(8);
  head.writeBigUInt64BE(BigInt(page * PAGE) | BigInt((zero ? FLAG_ZERO : FLAG_PAGE) | FLAG_CONTINUE));
  return zero ? Buffer.concat([head, Buffer.of(0)]) : Buffer.concat([head, bytes]);
}

/** Serialises `ram` as a save would: header, every page in address order, then `resent` pages again. */
export function migrationStream(ram: Buffer, options: { headerPadding: number; resent?: number[] }): Buffer {
  const xml = `<domain type='kvm'><name>tiny</name><memory unit='KiB'>${ram.length / 1024}</memory>${' '.repeat(options.headerPadding)}</domain>\n`;
  const header = Buffer.alloc(64);
  header.write('LibvirtQemudSave', 0, 'latin1');
  header.writeUInt32LE(2, 16);
  header.writeUInt32LE(xml.length, 20);
  const parts: Buffer[] = [header, Buffer.from(xml, 'latin1'), Buffer.from('QEVM\x00\x00\x00\x03', 'latin1')];
  const pages = ram.length / PAGE;
  for (let p = 0; p < pages; p++) parts.push(pageRecord(ram, p));
  for (const p of options.resent ?? []) parts.push(pageRecord(ram, p));
  parts.push(Buffer.from('\x00\x00\x00\x00\x00\x00\x00\x10', 'latin1'), Buffer.alloc(2048, 0x5a));
  return Buffer.concat(parts);
}

/**
 * A parent save and a child save of the same guest after `fraction` of its pages changed: the child's
 * header is longer (everything after it shifts) and the last tenth of the dirtied pages are re-sent at the
 * end in shuffled order, as a live save does for pages the guest writes while it is being saved.
 */
export function parentAndChildStreams(pages: number, fraction: number, seed = 7): { parent: Buffer; child: Buffer } {
  const ram = makeGuestRam(pages, seed);
  const { ram: childRam, dirtied } = dirtyGuestRam(ram, fraction, seed + 1);
  const random = prng(seed + 2);
  const resent = dirtied.slice(0, Math.ceil(dirtied.length / 10)).sort(() => random() - 0.5);
  return {
    parent: migrationStream(ram, { headerPadding: 100 }),
    child: migrationStream(childRam, { headerPadding: 137, resent }),
  };
}
