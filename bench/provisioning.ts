/**
 * Provisioning core: loading the osinfo database, and best match over 50 hosts for each of 1,000 catalog
 * entries (requests built from the real database: every OS with a cloud image, varied hardware). Baselines
 * from the same run: reading the database files without parsing them, and a first-fit filter that checks
 * only arch, CPUs and free memory (no OS minimums, no images, no explanations).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostImage, HostOffer } from '../main/core/provisioning/HostOffer';
import { bestMatch } from '../main/core/provisioning/bestMatch';
import { OsDatabase, defaultOsinfoDirs } from '../main/core/provisioning/osinfo/OsDatabase';
import type { VmRequest } from '../main/core/provisioning/schemas';
import { GiB } from '../main/core/provisioning/units';
import { fmt, median, percentile } from './stats';

const HOSTS = 50;
const REQUESTS = 1000;

/** A deterministic pseudo-random sequence (mulberry32), so every run benchmarks the same data. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fixtures(db: OsDatabase) {
  const rand = random(5);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const withImages = [...db.all()].filter((os) => os.images.some((i) => i.arch === 'x86_64' && i.format === 'qcow2'));
  const hosts: HostOffer[] = Array.from({ length: HOSTS }, (_, n) => {
    const total = pick([16, 32, 64, 128, 256]) * GiB;
    const images: HostImage[] = Array.from({ length: 4 + Math.floor(rand() * 12) }, (_, i) => ({
      osinfoId: pick(withImages).shortId,
      arch: 'x86_64',
      kind: 'cloud-image',
      format: 'qcow2',
      cloudInit: true,
      pool: 'default',
      volume: `image-${i}.qcow2`,
      virtualSizeBytes: 2 * GiB,
    }));
    return {
      hostId: `host-${n}`,
      hostName: `host-${n}`,
      guestArches: rand() < 0.9 ? ['x86_64'] : ['aarch64'],
      kvmArches: rand() < 0.9 ? ['x86_64'] : [],
      cpus: pick([4, 8, 16, 32, 64]),
      totalMemoryBytes: total,
      freeMemoryBytes: Math.floor(total * rand()),
      pools: [
        { name: 'default', active: true, capacityBytes: 500 * GiB, freeBytes: Math.floor(500 * GiB * rand()) },
        { name: 'fast', active: rand() < 0.8, capacityBytes: 200 * GiB, freeBytes: Math.floor(200 * GiB * rand()) },
      ],
      networks: [
        { name: 'default', active: true, forward: 'nat' },
        ...(rand() < 0.5 ? [{ name: 'lab', active: true, forward: 'isolated' }] : []),
      ],
      firmware: { uefi: rand() < 0.8, secureBoot: rand() < 0.5 },
      tpmEmulator: rand() < 0.6,
      graphics: ['vnc', 'spice'],
      images,
      isoVolumes: [],
    };
  });
  const requests: VmRequest[] = Array.from({ length: REQUESTS }, () => ({
    os: { osinfoId: pick(withImages).shortId, source: 'cloud-image' },
    hardware: {
      arch: 'x86_64',
      vcpus: pick([1, 2, 4, 8, 16]),
      memoryMiB: pick([1024, 2048, 4096, 8192, 16384, 65536]),
      firmware: rand() < 0.5 ? 'uefi' : 'bios',
      secureBoot: rand() < 0.2,
      tpm: rand() < 0.3,
      disks: [
        { sizeGiB: pick([10, 20, 40, 100]), bus: 'virtio', pool: rand() < 0.3 ? 'fast' : undefined },
        ...(rand() < 0.3 ? [{ sizeGiB: 50, bus: 'virtio' as const }] : []),
      ],
      nics: [{ network: rand() < 0.2 ? 'lab' : 'default', model: 'virtio' }],
      graphics: 'vnc',
      sound: false,
    },
    apps: rand() < 0.5 ? ['nginx'] : [],
  }));
  return { hosts, requests };
}

function firstFit(request: VmRequest, hosts: HostOffer[]): HostOffer | undefined {
  return hosts.find(
    (h) =>
      h.guestArches.includes(request.hardware.arch) &&
      h.cpus >= request.hardware.vcpus &&
      h.freeMemoryBytes >= request.hardware.memoryMiB * 2 ** 20,
  );
}

function timeEachSync(items: readonly VmRequest[], run: (r: VmRequest) => unknown): number[] {
  for (const item of items.slice(0, 50)) run(item);
  return items.map((item) => {
    const start = performance.now();
    run(item);
    return performance.now() - start;
  });
}

export async function benchProvisioning(): Promise<Array<Record<string, string | number>>> {
  const dirs = defaultOsinfoDirs();
  const loads: number[] = [];
  const reads: number[] = [];
  let db: OsDatabase | undefined;
  for (let i = 0; i < 3; i++) {
    let start = performance.now();
    const files = (await readdir(join(dirs[0]!, 'os'), { recursive: true, withFileTypes: true })).filter(
      (e) => e.isFile() && e.name.endsWith('.xml'),
    );
    await Promise.all(files.map((e) => readFile(join(e.parentPath, e.name), 'utf8')));
    reads.push(performance.now() - start);
    start = performance.now();
    db = await OsDatabase.load(dirs);
    loads.push(performance.now() - start);
  }
  const { hosts, requests } = fixtures(db!);
  const match = timeEachSync(requests, (r) => bestMatch(r, hosts, db!));
  const feasible = requests.filter((r) => bestMatch(r, hosts, db!).proposals.length > 0).length;
  const fit = timeEachSync(requests, (r) => firstFit(r, hosts));
  return [
    {
      measure: `load the osinfo db (${db!.size} OSes; median of 3)`,
      tandem: fmt(median(loads)),
      baseline: `${fmt(median(reads))} only reading the files`,
    },
    {
      measure: `best match, ${HOSTS} hosts, per request (${REQUESTS} requests, ${Math.round((feasible / REQUESTS) * 100)} % placeable)`,
      tandem: `p50 ${fmt(median(match))}, p95 ${fmt(percentile(match, 95))}`,
      baseline: `first-fit filter p50 ${fmt(median(fit))}, p95 ${fmt(percentile(fit, 95))}`,
    },
    {
      measure: `best match, all ${REQUESTS} requests`,
      tandem: fmt(match.reduce((s, v) => s + v, 0)),
      baseline: fmt(fit.reduce((s, v) => s + v, 0)),
    },
  ];
}
