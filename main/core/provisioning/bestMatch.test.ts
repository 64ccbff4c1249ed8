/**
 * The best-match table. The OS database is the checked-in fixture set (fixtures/osinfo: Ubuntu 22.04, 22.10,
 * 23.10, 24.04, 24.10, Debian 12, Windows 11 requiring UEFI and Secure Boot), so the figures below don't
 * move with the installed osinfo-db; one case at the end uses the installed db.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors';
import type { HostOffer } from './HostOffer';
import { WEIGHTS, bestMatch, memoryHeadroomBytes, poolHeadroomBytes, type BestMatchResult } from './bestMatch';
import { OsDatabase } from './osinfo/OsDatabase';
import { loadFixtureDb, host, image, iso, isoVolume, request, type HardwareInput } from './fixtures/offers';
import type { VmRequestInput } from './schemas';
import { GiB, MiB } from './units';

let db: OsDatabase;
beforeAll(async () => {
  db = await loadFixtureDb();
});

interface Case {
  name: string;
  request: VmRequestInput;
  today?: string;
  hosts: HostOffer[];
  /** The best host, and its changes' texts in order (empty = exact fit). */
  best?: string;
  changes?: string[];
  distance?: number;
  notes?: string[];
  /** Every refused host with its reasons. */
  refused?: Record<string, string[]>;
  check?: (result: BestMatchResult) => void;
}

const win11 = (hardware: HardwareInput = {}) =>
  request(
    // SATA and e1000e: Windows' setup has no virtio driver of its own (the fixture lists its devices as osinfo-db does).
    { vcpus: 4, memoryMiB: 8192, firmware: 'uefi', secureBoot: true, tpm: true, disks: [{ sizeGiB: 80, bus: 'sata' }], nics: [{ network: 'default', model: 'e1000e' }], ...hardware },
    { osinfoId: 'win11', source: 'install-media' },
  );

const cases: Case[] = [
  // --- exact fits ---------------------------------------------------------------------------------------
  {
    name: 'exact fit: a capable host takes the request unchanged',
    request: request(),
    hosts: [host('h1')],
    best: 'h1',
    changes: [],
    distance: 0,
    check: ({ proposals: [p] }) => {
      expect(p!.domainType).toBe('kvm');
      expect(p!.image?.volume).toBe('ubuntu24.04.qcow2');
      expect(p!.config.hardware.disks[0]!.pool).toBe('default');
      expect(p!.memoryLeftBytes).toBe(26 * GiB);
    },
  },
  {
    name: 'exact fit with UEFI, Secure Boot and TPM',
    request: request({ firmware: 'uefi', secureBoot: true, tpm: true }),
    hosts: [host('h1')],
    best: 'h1',
    changes: [],
  },
  {
    name: 'exact fit from an empty disk needs no image',
    request: request({}, { source: 'empty-disk' }),
    hosts: [host('h1', { images: [] })],
    best: 'h1',
    changes: [],
    check: ({ proposals: [p] }) => expect(p!.image).toBeUndefined(),
  },
  { name: 'exact fit: Windows 11 from its ISO with what it requires', request: win11(), hosts: [host('h1')], best: 'h1', changes: [] },
  {
    name: 'exact fit at the edge: free memory is exactly the request plus headroom',
    request: request({ memoryMiB: 4096 }),
    hosts: [host('h1', { totalMemoryBytes: 16 * GiB, freeMemoryBytes: 6 * GiB })],
    best: 'h1',
    changes: [],
  },
  { name: 'exact fit at the edge: vCPUs equal to host CPUs', request: request({ vcpus: 8 }), hosts: [host('h1')], changes: [] },

  // --- memory -------------------------------------------------------------------------------------------
  {
    name: 'memory cut to what is free minus headroom',
    request: request({ memoryMiB: 32 * 1024 }),
    hosts: [host('h1', { totalMemoryBytes: 16 * GiB, freeMemoryBytes: 14 * GiB })],
    changes: ['memory 32 GiB -> 12 GiB: host has 14 GiB free (2 GiB kept as headroom)'],
    distance: WEIGHTS.memoryPerFractionLost * (20 / 32),
  },
  {
    name: 'memory headroom is 10 % on a big host, and the cut is rounded down to 256 MiB',
    request: request({ memoryMiB: 64 * 1024 }),
    hosts: [host('h1', { totalMemoryBytes: 256 * GiB, freeMemoryBytes: 40 * GiB })],
    changes: ['memory 64 GiB -> 14.25 GiB: host has 40 GiB free (25.6 GiB kept as headroom)'],
  },
  {
    name: 'memory one MiB short of the edge is cut by a whole step',
    request: request({ memoryMiB: 4096 }),
    hosts: [host('h1', { totalMemoryBytes: 16 * GiB, freeMemoryBytes: 6 * GiB - MiB })],
    changes: ['memory 4 GiB -> 3.75 GiB: host has 6 GiB free (2 GiB kept as headroom)'],
    notes: ['memory is below the 4 GiB Ubuntu 24.04 LTS recommends'],
  },
  {
    name: 'memory below the OS minimum is raised to it',
    request: request({ memoryMiB: 1024 }),
    hosts: [host('h1')],
    changes: ['memory 1 GiB -> 2 GiB: Ubuntu 24.04 LTS needs at least 2 GiB'],
    distance: WEIGHTS.raisedPerFractionAdded * 1,
  },
  {
    name: 'memory refused when even the OS minimum does not fit',
    request: request(),
    hosts: [host('h1', { totalMemoryBytes: 8 * GiB, freeMemoryBytes: 3 * GiB })],
    refused: { h1: ['Ubuntu 24.04 LTS needs at least 2 GiB of memory; host has 3 GiB free (2 GiB kept as headroom)'] },
  },
  {
    name: 'memory cut below the recommended size is noted',
    request: request({ memoryMiB: 8192 }),
    hosts: [host('h1', { totalMemoryBytes: 16 * GiB, freeMemoryBytes: 5 * GiB })],
    changes: ['memory 8 GiB -> 3 GiB: host has 5 GiB free (2 GiB kept as headroom)'],
    notes: ['memory is below the 4 GiB Ubuntu 24.04 LTS recommends'],
  },

  // --- vCPUs --------------------------------------------------------------------------------------------
  {
    name: 'vCPUs cut to the host CPUs',
    request: request({ vcpus: 16 }),
    hosts: [host('h1', { cpus: 4 })],
    changes: ['vCPUs 16 -> 4: host has 4 CPUs (at most one vCPU each)'],
    distance: WEIGHTS.vcpusPerFractionLost * (12 / 16),
  },
  {
    name: 'vCPUs raised to the OS minimum',
    request: win11({ vcpus: 1 }),
    hosts: [host('h1')],
    changes: ['vCPUs 1 -> 2: Microsoft Windows 11 needs at least 2'],
  },
  {
    name: 'vCPUs refused when the host has fewer CPUs than the OS minimum',
    request: win11({ vcpus: 2 }),
    hosts: [host('h1', { cpus: 1 })],
    refused: { h1: ['Microsoft Windows 11 needs at least 2 vCPUs; the host has 1 CPU'] },
  },

  // --- firmware, Secure Boot, TPM -----------------------------------------------------------------------
  {
    name: 'UEFI requested, no OVMF: BIOS',
    request: request({ firmware: 'uefi' }),
    hosts: [host('h1', { firmware: { uefi: false, secureBoot: false } })],
    changes: ['UEFI requested, host has no OVMF -> BIOS'],
    distance: WEIGHTS.uefiToBios,
    check: ({ proposals: [p] }) => expect(p!.config.hardware.firmware).toBe('bios'),
  },
  {
    name: 'UEFI with Secure Boot requested, no OVMF: BIOS without Secure Boot',
    request: request({ firmware: 'uefi', secureBoot: true }),
    hosts: [host('h1', { firmware: { uefi: false, secureBoot: false } })],
    changes: ['UEFI requested, host has no OVMF -> BIOS', 'Secure Boot requested, VM boots with BIOS -> without Secure Boot'],
    distance: WEIGHTS.uefiToBios + WEIGHTS.secureBootOff,
  },
  {
    name: 'Secure Boot requested, OVMF without a Secure Boot build: UEFI without it',
    request: request({ firmware: 'uefi', secureBoot: true }),
    hosts: [host('h1', { firmware: { uefi: true, secureBoot: false } })],
    changes: ['Secure Boot requested, host has no Secure Boot OVMF -> without Secure Boot'],
  },
  {
    name: 'an OS that requires UEFI and Secure Boot gets them even when BIOS was asked',
    request: win11({ firmware: 'bios', secureBoot: false }),
    hosts: [host('h1')],
    changes: [
      'firmware BIOS -> UEFI: Microsoft Windows 11 does not boot with BIOS',
      'Secure Boot off -> on: Microsoft Windows 11 requires Secure Boot',
    ],
    distance: WEIGHTS.biosToUefi + WEIGHTS.secureBootOn,
  },
  {
    name: 'an OS that requires UEFI is refused on a host without OVMF',
    request: win11(),
    hosts: [host('h1', { firmware: { uefi: false, secureBoot: false } })],
    refused: { h1: ['Microsoft Windows 11 boots only with UEFI, and the host has no UEFI firmware (OVMF)'] },
  },
  {
    name: 'an OS that requires Secure Boot is refused on OVMF without Secure Boot',
    request: win11(),
    hosts: [host('h1', { firmware: { uefi: true, secureBoot: false } })],
    refused: { h1: ["Microsoft Windows 11 requires Secure Boot, and the host's UEFI firmware has no Secure Boot build"] },
  },
  {
    name: 'TPM requested, no swtpm: without TPM',
    request: request({ tpm: true }),
    hosts: [host('h1', { tpmEmulator: false })],
    changes: ['TPM requested, no swtpm -> without TPM'],
    distance: WEIGHTS.tpmOff,
  },

  // --- the OS and its image -----------------------------------------------------------------------------
  {
    name: 'a missing release is replaced by the nearest one (24.10 -> 24.04 LTS)',
    request: request({}, { osinfoId: 'ubuntu24.10' }),
    hosts: [host('h1')],
    changes: ['Ubuntu 24.10 cloud image missing -> Ubuntu 24.04 LTS cloud image available'],
    distance: WEIGHTS.osSubstitute + WEIGHTS.osReleaseStep,
    check: ({ proposals: [p] }) => expect(p!.config.os.osinfoId).toBe('ubuntu24.04'),
  },
  {
    name: 'a farther release costs more (24.10 -> 22.04 LTS, four releases away)',
    request: request({}, { osinfoId: 'ubuntu24.10' }),
    hosts: [host('h1', { images: [image('ubuntu22.04')] })],
    changes: ['Ubuntu 24.10 cloud image missing -> Ubuntu 22.04 LTS cloud image available'],
    distance: WEIGHTS.osSubstitute + 4 * WEIGHTS.osReleaseStep,
  },
  {
    name: 'the nearer release wins over a farther one (22.04 -> 24.04, not 24.10)',
    request: request({}, { osinfoId: 'ubuntu22.04' }),
    hosts: [host('h1', { images: [image('ubuntu24.10'), image('ubuntu24.04')] })],
    changes: ['Ubuntu 22.04 LTS cloud image missing -> Ubuntu 24.04 LTS cloud image available'],
  },
  {
    name: 'at equal distance an LTS release wins (23.10 missing: 24.04 LTS over 22.10)',
    request: request({}, { osinfoId: 'ubuntu23.10' }),
    hosts: [host('h1', { images: [image('ubuntu22.10'), image('ubuntu24.04')] })],
    changes: ['Ubuntu 23.10 cloud image missing -> Ubuntu 24.04 LTS cloud image available'],
  },
  {
    name: 'at equal distance the older release wins (24.04 missing: 23.10 over 24.10)',
    request: request({}, { osinfoId: 'ubuntu24.04' }),
    hosts: [host('h1', { images: [image('ubuntu24.10'), image('ubuntu23.10')] })],
    changes: ['Ubuntu 24.04 LTS cloud image missing -> Ubuntu 23.10 cloud image available'],
  },
  {
    name: 'at equal distance a supported release wins over one past its end of life',
    request: request({}, { osinfoId: 'ubuntu24.04' }),
    today: '2025-01-01',
    hosts: [host('h1', { images: [image('ubuntu23.10'), image('ubuntu24.10')] })],
    changes: ['Ubuntu 24.04 LTS cloud image missing -> Ubuntu 24.10 cloud image available'],
  },
  {
    name: 'a release past its end of life is noted, and still served when asked for',
    request: request({}, { osinfoId: 'ubuntu24.10' }),
    today: '2026-11-26',
    hosts: [host('h1', { images: [image('ubuntu24.10')] })],
    changes: [],
    notes: ['Ubuntu 24.10 reached its end of life on 2025-07-10'],
  },
  {
    name: 'no image of the distro at all: refused, saying what the host has',
    request: request(),
    hosts: [host('h1', { images: [image('debian12')] })],
    refused: { h1: ['no cloud image of Ubuntu for x86_64 (it has Debian 12)'] },
  },
  {
    name: 'an image for another architecture does not count',
    request: request(),
    hosts: [host('h1', { images: [image('ubuntu24.04', { arch: 'aarch64' })] })],
    refused: { h1: ['no cloud image of Ubuntu for x86_64 (it has no cloud image for x86_64)'] },
  },
  {
    name: 'an installer ISO does not stand in for a cloud image',
    request: request({}, { osinfoId: 'debian12' }),
    hosts: [host('h1', { images: [iso('debian12')] })],
    refused: { h1: ['no cloud image of Debian for x86_64 (it has no cloud image for x86_64)'] },
  },
  {
    name: 'the requested release cannot run here, an older one with lower minimums can',
    request: request({}, { osinfoId: 'child2' }),
    hosts: [host('h1', { cpus: 1, images: [image('child2'), image('parent1')] })],
    changes: [
      'OS Child 2 -> Parent 1: Child 2 needs at least 2 vCPUs; the host has 1 CPU',
      'vCPUs 2 -> 1: host has 1 CPU (at most one vCPU each)',
    ],
  },
  {
    name: 'the requested release cannot run here and no other release is there: its reasons',
    request: request({}, { osinfoId: 'child2' }),
    hosts: [host('h1', { cpus: 1, images: [image('child2')] })],
    refused: { h1: ['Child 2 needs at least 2 vCPUs; the host has 1 CPU'] },
  },
  {
    name: 'the system disk grows to the size of the image it is cloned from',
    request: request({ disks: [{ sizeGiB: 20 }] }),
    hosts: [host('h1', { images: [image('ubuntu24.04', { virtualSizeBytes: 30 * GiB })] })],
    changes: ['disk 1 size 20 GiB -> 30 GiB: the ubuntu24.04.qcow2 image is 30 GiB'],
  },
  {
    name: 'a system disk below the OS minimum is raised to it',
    request: request({ disks: [{ sizeGiB: 5 }] }, { osinfoId: 'debian12' }),
    hosts: [host('h1')],
    changes: ['disk 1 size 5 GiB -> 10 GiB: Debian 12 needs at least 10 GiB'],
    distance: WEIGHTS.raisedPerFractionAdded * 1,
  },

  // --- disks and pools ----------------------------------------------------------------------------------
  {
    name: 'a pool the host does not have: the roomiest one',
    request: request({ disks: [{ sizeGiB: 20, pool: 'fast' }] }),
    hosts: [host('h1')],
    changes: ['disk 1 pool fast -> default: pool fast not on this host'],
    distance: WEIGHTS.poolSubstitute,
  },
  {
    name: 'an inactive pool: another one',
    request: request({ disks: [{ sizeGiB: 20, pool: 'fast' }] }),
    hosts: [
      host('h1', {
        pools: [
          { name: 'fast', active: false, capacityBytes: 100 * GiB, freeBytes: 90 * GiB },
          { name: 'slow', active: true, capacityBytes: 100 * GiB, freeBytes: 90 * GiB },
        ],
      }),
    ],
    changes: ['disk 1 pool fast -> slow: pool fast is not active'],
  },
  {
    name: 'a pool too full for the disk: the roomiest one',
    request: request({ disks: [{ sizeGiB: 20, pool: 'fast' }] }),
    hosts: [
      host('h1', {
        pools: [
          { name: 'fast', active: true, capacityBytes: 20 * GiB, freeBytes: 15 * GiB },
          { name: 'default', active: true, capacityBytes: 500 * GiB, freeBytes: 400 * GiB },
        ],
      }),
    ],
    changes: ['disk 1 pool fast -> default: pool fast has 14 GiB to spare'],
  },
  {
    name: 'a disk larger than any pool can spare is cut (pool headroom 5 %, at least 1 GiB)',
    request: request({ disks: [{ sizeGiB: 500 }] }),
    hosts: [host('h1', { pools: [{ name: 'default', active: true, capacityBytes: 200 * GiB, freeBytes: 120 * GiB }] })],
    changes: ['disk 1 size 500 GiB -> 110 GiB: pool default has 110 GiB to spare'],
    distance: WEIGHTS.diskPerFractionLost * (390 / 500),
  },
  {
    name: 'two disks in one pool: the second gets what the first left',
    request: request({ disks: [{ sizeGiB: 60 }, { sizeGiB: 60 }] }),
    hosts: [host('h1', { pools: [{ name: 'default', active: true, capacityBytes: 100 * GiB, freeBytes: 100 * GiB }] })],
    changes: ['disk 2 size 60 GiB -> 35 GiB: pool default has 35 GiB to spare'],
  },
  {
    name: 'disks spread over pools by room',
    request: request({ disks: [{ sizeGiB: 60 }, { sizeGiB: 60 }] }),
    hosts: [
      host('h1', {
        pools: [
          { name: 'a', active: true, capacityBytes: 100 * GiB, freeBytes: 80 * GiB },
          { name: 'b', active: true, capacityBytes: 100 * GiB, freeBytes: 70 * GiB },
        ],
      }),
    ],
    changes: [],
    check: ({ proposals: [p] }) => expect(p!.config.hardware.disks.map((d) => d.pool)).toEqual(['a', 'b']),
  },
  {
    name: 'refused when the system disk minimum fits no pool',
    request: request(),
    hosts: [host('h1', { pools: [{ name: 'default', active: true, capacityBytes: 20 * GiB, freeBytes: 8 * GiB }] })],
    refused: { h1: ['the system disk needs at least 10 GiB; the roomiest pool default has 7 GiB to spare (1 GiB kept free)'] },
  },
  {
    name: 'refused without an active pool',
    request: request(),
    hosts: [host('h1', { pools: [{ name: 'default', active: false, capacityBytes: 500 * GiB, freeBytes: 400 * GiB }] })],
    refused: { h1: ['has no active storage pool'] },
  },

  // --- networks, graphics, applications -----------------------------------------------------------------
  {
    name: 'a missing network: the default one',
    request: request({ nics: [{ network: 'lab' }] }),
    hosts: [host('h1')],
    changes: ['NIC 1 network lab -> default: network lab not on this host (default is nat)'],
    distance: WEIGHTS.networkSubstitute,
  },
  {
    name: 'a missing network without a default: NAT over isolated',
    request: request({ nics: [{ network: 'lab' }] }),
    hosts: [
      host('h1', {
        networks: [
          { name: 'a-private', active: true, forward: 'isolated' },
          { name: 'z-nat', active: true, forward: 'nat' },
        ],
      }),
    ],
    changes: ['NIC 1 network lab -> z-nat: network lab not on this host (z-nat is nat)'],
  },
  {
    name: 'an inactive network: another one',
    request: request({ nics: [{ network: 'lab' }] }),
    hosts: [
      host('h1', {
        networks: [
          { name: 'lab', active: false, forward: 'isolated' },
          { name: 'default', active: true, forward: 'nat' },
        ],
      }),
    ],
    changes: ['NIC 1 network lab -> default: network lab is not active (default is nat)'],
  },
  {
    name: 'no network at all: the NIC is dropped',
    request: request(),
    hosts: [host('h1', { networks: [] })],
    changes: ['NIC 1 on default removed: network default not on this host, and the host has no active network'],
    check: ({ proposals: [p] }) => expect(p!.config.hardware.nics).toEqual([]),
  },
  {
    name: 'SPICE requested, only VNC: VNC',
    request: request({ graphics: 'spice' }),
    hosts: [host('h1', { graphics: ['vnc'] })],
    changes: ["graphics SPICE -> VNC: the host's QEMU has no SPICE"],
  },
  {
    name: 'applications with an installer ISO are not installed',
    request: request({}, { source: 'install-media' }, ['nginx']),
    hosts: [host('h1')],
    changes: ['applications nginx not installed: the installer ISO has no cloud-init'],
    check: ({ proposals: [p] }) => expect(p!.config.apps).toEqual([]),
  },
  // --- install media the request names: host-local -------------------------------------------------------
  {
    name: 'a named ISO volume places the VM only where it is stored, the others refused with why',
    request: request({}, { source: 'install-media', installMedia: { kind: 'volume', pool: 'default', volume: 'my-ubuntu.iso' } }),
    hosts: [host('big', { totalMemoryBytes: 256 * GiB, freeMemoryBytes: 250 * GiB }), host('has', { isoVolumes: [isoVolume('my-ubuntu.iso')] })],
    best: 'has',
    changes: [],
    refused: { big: ['ISO volume default/my-ubuntu.iso is not on this host (install media is used on the host that stores it)'] },
    check: ({ proposals: [p] }) => {
      expect(p!.image).toMatchObject({ kind: 'install-media', pool: 'default', volume: 'my-ubuntu.iso', format: 'iso' });
      expect(p!.config.os.installMedia).toEqual({ kind: 'volume', pool: 'default', volume: 'my-ubuntu.iso' });
    },
  },
  {
    name: 'a named ISO path matches the volume at that path; an ISO of another release is never swapped in',
    request: request({}, { osinfoId: 'ubuntu22.04', source: 'install-media', installMedia: { kind: 'path', path: '/srv/isos/jammy.iso' } }),
    hosts: [
      host('h1', { isoVolumes: [isoVolume('jammy.iso', { pool: 'isos', path: '/srv/isos/jammy.iso' })] }),
      host('h2', { images: [iso('ubuntu22.04')] }),
    ],
    best: 'h1',
    changes: [],
    refused: { h2: ['ISO /srv/isos/jammy.iso is not on this host (install media is used on the host that stores it)'] },
    check: ({ proposals: [p] }) => expect(p!.config.os.installMedia).toEqual({ kind: 'volume', pool: 'isos', volume: 'jammy.iso' }),
  },
  {
    name: 'a named ISO file outside any pool: no image, the path kept, apps dropped with why',
    request: request({}, { source: 'install-media', installMedia: { kind: 'path', path: '/home/me/ubuntu.iso' } }, ['nginx']),
    hosts: [host('h1', { isoVolumes: [{ path: '/home/me/ubuntu.iso', sizeBytes: 5 * GiB }] })],
    changes: ['applications nginx not installed: the installer ISO has no cloud-init'],
    check: ({ proposals: [p] }) => {
      expect(p!.image).toBeUndefined();
      expect(p!.config.os.installMedia).toEqual({ kind: 'path', path: '/home/me/ubuntu.iso' });
    },
  },
  {
    name: 'an installer found by name is named in the proposal, so deploy installs that ISO',
    request: request({}, { source: 'install-media' }),
    hosts: [host('h1')],
    changes: [],
    check: ({ proposals: [p] }) => expect(p!.config.os.installMedia).toEqual({ kind: 'volume', pool: 'default', volume: 'ubuntu24.04.iso' }),
  },
  {
    name: 'an installer without graphics: noted that only the serial console reaches it',
    request: request({ graphics: 'none' }, { source: 'install-media', installMedia: { kind: 'volume', pool: 'default', volume: 'ubuntu24.04.iso' } }),
    hosts: [host('h1')],
    changes: [],
    notes: ['no graphics: the installer is reachable on the serial console only'],
  },
  {
    name: 'applications with an image without cloud-init are not installed',
    request: request({}, {}, ['nginx', 'docker']),
    hosts: [host('h1', { images: [image('ubuntu24.04', { cloudInit: false })] })],
    changes: ['applications nginx, docker not installed: the image has no cloud-init'],
  },
  {
    name: 'an image with cloud-init is preferred over one without',
    request: request({}, {}, ['nginx']),
    hosts: [
      host('h1', { images: [image('ubuntu24.04', { cloudInit: false, volume: 'a.qcow2' }), image('ubuntu24.04', { volume: 'b.qcow2' })] }),
    ],
    changes: [],
    check: ({ proposals: [p] }) => expect(p!.image?.volume).toBe('b.qcow2'),
  },

  // --- architecture -------------------------------------------------------------------------------------
  {
    name: 'another architecture is refused',
    request: request({ arch: 'aarch64' }),
    hosts: [host('h1')],
    refused: { h1: ['runs x86_64 guests, not aarch64'] },
  },
  {
    name: 'an emulated architecture: QEMU instead of KVM, with that arch’s minimums',
    request: request({ arch: 'aarch64', memoryMiB: 1024 }, { osinfoId: 'debian12', source: 'empty-disk' }),
    hosts: [host('h1', { guestArches: ['x86_64', 'aarch64'] })],
    changes: [
      'acceleration KVM -> QEMU emulation: the host has no KVM for aarch64 (emulation is much slower)',
      'memory 1 GiB -> 2 GiB: Debian 12 needs at least 2 GiB',
    ],
    check: ({ proposals: [p] }) => expect(p!.domainType).toBe('qemu'),
  },

  {
    name: "a host whose KVM is listed but can't start guests (its probe failed): emulation, with libvirt's reason",
    request: request(),
    hosts: [host('h1', { kvmArches: [], kvmUnusable: 'qemu unexpectedly closed the monitor: failed to set MSR 0x10a to 0x69' })],
    changes: ['acceleration KVM -> QEMU emulation: KVM listed but unusable: qemu unexpectedly closed the monitor: failed to set MSR 0x10a to 0x69'],
    check: ({ proposals: [p] }) => expect(p!.domainType).toBe('qemu'),
  },
  {
    name: "a simulated host (libvirt's test driver) runs any arch it lists without emulation",
    request: request(),
    hosts: [host('demo', { kvmArches: [], simulated: true })],
    changes: [],
    check: ({ proposals: [p] }) => expect(p!.domainType).toBe('test'),
  },

  // --- several changes at once, several hosts -----------------------------------------------------------
  {
    name: 'combination: memory, vCPUs, firmware, TPM and network on one host',
    request: request({ vcpus: 8, memoryMiB: 16384, firmware: 'uefi', tpm: true, nics: [{ network: 'lab' }] }),
    hosts: [
      host('h1', {
        cpus: 4,
        totalMemoryBytes: 16 * GiB,
        freeMemoryBytes: 10 * GiB,
        firmware: { uefi: false, secureBoot: false },
        tpmEmulator: false,
      }),
    ],
    changes: [
      'UEFI requested, host has no OVMF -> BIOS',
      'TPM requested, no swtpm -> without TPM',
      'vCPUs 8 -> 4: host has 4 CPUs (at most one vCPU each)',
      'memory 16 GiB -> 8 GiB: host has 10 GiB free (2 GiB kept as headroom)',
      'NIC 1 network lab -> default: network lab not on this host (default is nat)',
    ],
    distance:
      WEIGHTS.uefiToBios +
      WEIGHTS.tpmOff +
      WEIGHTS.vcpusPerFractionLost * 0.5 +
      WEIGHTS.memoryPerFractionLost * 0.5 +
      WEIGHTS.networkSubstitute,
  },
  {
    name: 'a release substitute plus a memory cut',
    request: request({ memoryMiB: 8192 }, { osinfoId: 'ubuntu24.10' }),
    hosts: [host('h1', { totalMemoryBytes: 16 * GiB, freeMemoryBytes: 8 * GiB })],
    changes: [
      'Ubuntu 24.10 cloud image missing -> Ubuntu 24.04 LTS cloud image available',
      'memory 8 GiB -> 6 GiB: host has 8 GiB free (2 GiB kept as headroom)',
    ],
  },
  {
    name: 'two hosts: the exact fit beats a memory cut',
    request: request({ memoryMiB: 8192 }),
    hosts: [host('small', { totalMemoryBytes: 8 * GiB, freeMemoryBytes: 6 * GiB }), host('big')],
    best: 'big',
    changes: [],
    check: ({ proposals }) => {
      expect(proposals.map((p) => p.hostId)).toEqual(['big', 'small']);
      expect(proposals[1]!.changes.map((c) => c.text)).toEqual(['memory 8 GiB -> 4 GiB: host has 6 GiB free (2 GiB kept as headroom)']);
    },
  },
  {
    name: 'a tie in distance goes to the host with more memory left',
    request: request(),
    hosts: [host('a', { freeMemoryBytes: 20 * GiB }), host('b', { freeMemoryBytes: 28 * GiB })],
    best: 'b',
    changes: [],
  },
  {
    name: 'a full tie goes to the host name',
    request: request(),
    hosts: [host('zeta'), host('alpha')],
    check: ({ proposals }) => expect(proposals.map((p) => p.hostId)).toEqual(['alpha', 'zeta']),
  },
  {
    name: 'a small memory cut beats emulation',
    request: request({ arch: 'x86_64', memoryMiB: 4096 }),
    hosts: [host('tcg', { kvmArches: [] }), host('tight', { totalMemoryBytes: 16 * GiB, freeMemoryBytes: 5 * GiB })],
    best: 'tight',
    check: ({ proposals }) => expect(proposals[0]!.distance).toBe(WEIGHTS.memoryPerFractionLost * 0.25),
  },
  {
    name: 'losing UEFI costs less than another release',
    request: request({ firmware: 'uefi' }, { osinfoId: 'ubuntu24.10' }),
    hosts: [
      host('older', { images: [image('ubuntu24.04')] }),
      host('bios', { firmware: { uefi: false, secureBoot: false }, images: [image('ubuntu24.10')] }),
    ],
    best: 'bios',
    changes: ['UEFI requested, host has no OVMF -> BIOS'],
  },
  {
    name: 'one host refused, one proposed',
    request: request(),
    hosts: [host('arm', { guestArches: ['aarch64'], kvmArches: ['aarch64'] }), host('x86')],
    best: 'x86',
    refused: { arm: ['runs aarch64 guests, not x86_64'] },
  },
  {
    name: 'nothing feasible: every host says every reason',
    request: win11(),
    hosts: [
      host('old', { cpus: 1, firmware: { uefi: false, secureBoot: false }, totalMemoryBytes: 4 * GiB, freeMemoryBytes: 3 * GiB }),
      host('nospace', { pools: [{ name: 'default', active: true, capacityBytes: 64 * GiB, freeBytes: 40 * GiB }] }),
      host('noiso', { images: [image('ubuntu24.04')] }),
    ],
    refused: {
      old: [
        'Microsoft Windows 11 boots only with UEFI, and the host has no UEFI firmware (OVMF)',
        'Microsoft Windows 11 needs at least 2 vCPUs; the host has 1 CPU',
        'Microsoft Windows 11 needs at least 4 GiB of memory; host has 3 GiB free (2 GiB kept as headroom)',
      ],
      nospace: ['the system disk needs at least 64 GiB; the roomiest pool default has 36.8 GiB to spare (3.2 GiB kept free)'],
      noiso: ['no installer ISO of Microsoft Windows for x86_64 (it has no installer ISO for x86_64)'],
    },
    check: ({ proposals }) => expect(proposals).toEqual([]),
  },
  {
    name: 'no hosts: nothing proposed, nothing refused',
    request: request(),
    hosts: [],
    check: (result) => expect(result).toEqual({ proposals: [], refusals: [] }),
  },
];

describe('bestMatch: the table', () => {
  it('has at least 40 cases', () => expect(cases.length).toBeGreaterThanOrEqual(40));

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = bestMatch(c.request, c.hosts, db, c.today ? { today: c.today } : {});
    const best = result.proposals[0];
    if (c.best !== undefined) expect(best?.hostId).toBe(c.best);
    if (c.changes !== undefined) expect(best?.changes.map((ch) => ch.text)).toEqual(c.changes);
    if (c.distance !== undefined) expect(best?.distance).toBeCloseTo(c.distance, 6);
    if (c.changes?.length === 0) expect(best?.distance).toBe(0);
    if (c.notes !== undefined) expect(best?.notes).toEqual(c.notes);
    const refused = Object.fromEntries(result.refusals.map((r) => [r.hostId, r.reasons]));
    expect(refused).toEqual(c.refused ?? {});
    // Whatever a proposal changes, it never goes below the OS's minimums.
    for (const p of result.proposals) {
      const min = db.minimum(p.os, p.config.hardware.arch);
      expect(p.config.hardware.vcpus).toBeGreaterThanOrEqual(min.cpus ?? 1);
      expect(p.config.hardware.memoryMiB * MiB).toBeGreaterThanOrEqual(min.ramBytes ?? 0);
      expect(p.config.hardware.disks[0]!.sizeGiB * GiB).toBeGreaterThanOrEqual(min.storageBytes ?? 0);
      expect(p.distance).toBeCloseTo(
        p.changes.reduce((s, ch) => s + ch.cost, 0),
        6,
      );
    }
    c.check?.(result);
  });
});

describe('bestMatch: bad requests', () => {
  it('refuses an unknown OS with a field error', () => {
    expect(() => bestMatch(request({}, { osinfoId: 'beos5' }), [host('h1')], db)).toThrow(InvalidInputError);
    expect(() => bestMatch(request({}, { osinfoId: 'beos5' }), [host('h1')], db)).toThrow(
      expect.objectContaining({ code: 'provisioning.unknown-os', details: { field: 'os.osinfoId' } }),
    );
  });

  it('refuses a malformed request with the field', () => {
    expect(() => bestMatch(request({ vcpus: 0 }), [host('h1')], db)).toThrow(
      expect.objectContaining({ code: 'payload.invalid', details: { field: 'hardware.vcpus' } }),
    );
    expect(() => bestMatch(request({ disks: [] }), [host('h1')], db)).toThrow(
      expect.objectContaining({ details: { field: 'hardware.disks' } }),
    );
    expect(() => bestMatch(request({ disks: [{ sizeGiB: 10, pool: '../etc' }] }), [host('h1')], db)).toThrow(
      expect.objectContaining({ details: { field: 'hardware.disks.0.pool' } }),
    );
  });

  it('does not modify the request it was given', () => {
    const input = request({ memoryMiB: 65536, firmware: 'uefi' });
    const copy = structuredClone(input);
    bestMatch(input, [host('h1', { firmware: { uefi: false, secureBoot: false } })], db);
    expect(input).toEqual(copy);
  });
});

describe('the headroom rule', () => {
  it('keeps max(2 GiB, 10 %) of host memory and max(1 GiB, 5 %) of a pool', () => {
    expect(memoryHeadroomBytes({ totalMemoryBytes: 8 * GiB })).toBe(2 * GiB);
    expect(memoryHeadroomBytes({ totalMemoryBytes: 64 * GiB })).toBeCloseTo(6.4 * GiB);
    expect(poolHeadroomBytes({ capacityBytes: 10 * GiB })).toBe(GiB);
    expect(poolHeadroomBytes({ capacityBytes: 1000 * GiB })).toBe(50 * GiB);
  });
});

describe('bestMatch on the installed osinfo database', () => {
  it('raises Debian 11 memory to the minimum the db states (1 GiB)', async () => {
    const installed = await OsDatabase.load(['/usr/share/osinfo']);
    const result = bestMatch(
      request({ memoryMiB: 512, disks: [{ sizeGiB: 4 }] }, { osinfoId: 'debian11' }),
      [host('h1', { images: [image('debian11')] })],
      installed,
    );
    expect(result.proposals[0]!.changes.map((c) => c.text)).toEqual([
      'memory 512 MiB -> 1 GiB: Debian 11 needs at least 1 GiB',
      'disk 1 size 4 GiB -> 10 GiB: Debian 11 needs at least 10 GiB',
    ]);
  });
});

describe('bestMatch of installer ISOs on the installed osinfo database (device drivers)', () => {
  let installed: OsDatabase;
  beforeAll(async () => {
    installed = await OsDatabase.load(['/usr/share/osinfo']);
  });
  const isoOf = (osinfoId: string) => ({ isoVolumes: [isoVolume(`${osinfoId}.iso`)] });
  const installFrom = (osinfoId: string, hardware: HardwareInput) =>
    request(hardware, { osinfoId, source: 'install-media', installMedia: { kind: 'volume', pool: 'default', volume: `${osinfoId}.iso` } });

  it("gives Windows 10's installer a SATA disk and an e1000e NIC: it has no virtio driver of its own", () => {
    const result = bestMatch(
      installFrom('win10', { memoryMiB: 4096, disks: [{ sizeGiB: 40 }, { sizeGiB: 10, bus: 'scsi' }], nics: [{ network: 'default' }] }),
      [host('h1', isoOf('win10'))],
      installed,
    );
    const [p] = result.proposals;
    expect(p!.changes.map((c) => c.text)).toEqual([
      'disk 1 bus virtio -> sata: Microsoft Windows 10 has no virtio-block driver of its own (osinfo)',
      'disk 2 bus scsi -> sata: Microsoft Windows 10 has no virtio-scsi driver of its own (osinfo)',
      'NIC 1 model virtio -> e1000e: Microsoft Windows 10 has no virtio-net driver of its own (osinfo)',
    ]);
    expect(p!.distance).toBeCloseTo(3 * WEIGHTS.installerDriver, 6);
    expect(p!.config.hardware.disks.map((d) => d.bus)).toEqual(['sata', 'sata']);
    expect(p!.config.hardware.nics[0]!.model).toBe('e1000e');
  });

  it("gives Windows XP's installer what it has drivers for on i440fx: an IDE disk and an e1000 NIC (no AHCI, no 82574)", () => {
    const result = bestMatch(
      installFrom('winxp', { memoryMiB: 512, disks: [{ sizeGiB: 10 }], nics: [{ network: 'default' }] }),
      [host('h1', isoOf('winxp'))],
      installed,
    );
    const [p] = result.proposals;
    expect(p!.changes.map((c) => c.text)).toEqual([
      'disk 1 bus virtio -> ide: Microsoft Windows XP has no virtio-block driver of its own (osinfo)',
      'NIC 1 model virtio -> e1000: Microsoft Windows XP has no virtio-net driver of its own (osinfo)',
    ]);
    expect(p!.config.hardware.disks[0]!.bus).toBe('ide');
    expect(p!.config.hardware.nics[0]!.model).toBe('e1000');
  });

  it('turns an IDE disk asked for an installer on q35 into SATA (q35 has no IDE controller)', () => {
    const result = bestMatch(installFrom('win10', { memoryMiB: 4096, disks: [{ sizeGiB: 40, bus: 'ide' }], nics: [] }), [host('h1', isoOf('win10'))], installed);
    expect(result.proposals[0]!.changes.map((c) => c.text)).toEqual(['disk 1 bus ide -> sata: Microsoft Windows 10 installs on q35, which has no IDE controller']);
  });

  it("keeps virtio for Debian 11's installer: it has the drivers", () => {
    const debian = bestMatch(installFrom('debian11', { memoryMiB: 2048, disks: [{ sizeGiB: 20 }] }), [host('h1', isoOf('debian11'))], installed);
    expect(debian.proposals[0]!.changes).toEqual([]);
  });
});

describe('bestMatch of a template that names its chipset (saved from a VM)', () => {
  let installed: OsDatabase;
  beforeAll(async () => {
    installed = await OsDatabase.load(['/usr/share/osinfo']);
  });
  const installFrom = (osinfoId: string, hardware: HardwareInput) =>
    request(hardware, { osinfoId, source: 'install-media', installMedia: { kind: 'volume', pool: 'default', volume: `${osinfoId}.iso` } });
  const isoOf = (osinfoId: string) => ({ isoVolumes: [isoVolume(`${osinfoId}.iso`)] });

  it('keeps a Windows XP VM as installed: i440fx, an IDE disk, e1000 and rtl8139 NICs, an exact fit', () => {
    const hardware = { machine: 'pc' as const, memoryMiB: 512, disks: [{ sizeGiB: 10, bus: 'ide' as const }], nics: [{ network: 'default', model: 'e1000' as const }, { network: 'default', model: 'rtl8139' as const }] };
    const [p] = bestMatch(request(hardware, { osinfoId: 'winxp' }), [host('h1', { images: [image('winxp')] })], installed).proposals;
    expect(p!.changes).toEqual([]);
    expect(p!.config.hardware).toMatchObject(hardware);
  });

  it('turns Secure Boot off on i440fx (OVMF builds it for q35 only), and IDE disks on q35 into SATA, each with its reason', () => {
    const sb = bestMatch(request({ machine: 'pc', firmware: 'uefi', secureBoot: true }), [host('h1')], db).proposals[0]!;
    expect(sb.changes.map((c) => c.text)).toEqual(['Secure Boot requested on i440fx (Secure Boot firmware runs on q35 only) -> without Secure Boot']);
    expect(sb.config.hardware).toMatchObject({ machine: 'pc', firmware: 'uefi', secureBoot: false });
    const ide = bestMatch(request({ machine: 'q35', disks: [{ sizeGiB: 20 }, { sizeGiB: 5, bus: 'ide' }] }), [host('h1')], db).proposals[0]!;
    expect(ide.changes.map((c) => c.text)).toEqual(['disk 2 bus ide -> sata: q35 has no IDE controller']);
  });

  it("refuses i440fx for an OS that requires Secure Boot (Windows 11)", () => {
    const result = bestMatch(win11({ machine: 'pc' }), [host('h1', { images: [iso('win11')] })], db);
    expect(result.refusals[0]!.reasons).toContain('Microsoft Windows 11 requires Secure Boot, which needs the q35 machine, and this VM is i440fx');
  });

  it("an installer: q35 asked for an OS without it becomes i440fx; i440fx asked for is kept, with IDE for the drivers the OS lacks", () => {
    const xp = bestMatch(installFrom('winxp', { machine: 'q35', memoryMiB: 512, disks: [{ sizeGiB: 10 }], nics: [] }), [host('h1', isoOf('winxp'))], installed).proposals[0]!;
    expect(xp.changes.map((c) => c.text)).toEqual([
      'machine q35 -> i440fx: Microsoft Windows XP has no q35 support (osinfo)',
      'disk 1 bus virtio -> ide: Microsoft Windows XP has no virtio-block driver of its own (osinfo)',
    ]);
    expect(xp.config.hardware.machine).toBe('pc');
    const win10 = bestMatch(installFrom('win10', { machine: 'pc', memoryMiB: 4096, disks: [{ sizeGiB: 40 }, { sizeGiB: 10, bus: 'ide' }], nics: [] }), [host('h1', isoOf('win10'))], installed).proposals[0]!;
    expect(win10.changes.map((c) => c.text)).toEqual(['disk 1 bus virtio -> ide: Microsoft Windows 10 has no virtio-block driver of its own (osinfo)']);
    expect(win10.config.hardware).toMatchObject({ machine: 'pc', disks: [{ bus: 'ide' }, { bus: 'ide' }] });
  });

  it("a host whose QEMU lacks the chipset asked for: the other one where the OS drives it, else refused; none judged where unknown", () => {
    const q35Only = host('q35-only', { chipsets: { x86_64: ['q35'] }, images: [image('winxp'), image('debian11')], ...isoOf('winxp') });
    const unknown = host('unknown', { images: [image('winxp')] });
    const xp = request({ machine: 'pc', memoryMiB: 512, disks: [{ sizeGiB: 10, bus: 'ide' }], nics: [] }, { osinfoId: 'winxp' });
    const template = bestMatch(xp, [q35Only, unknown], installed);
    const noQ35 = "the host's QEMU has no i440fx machine for x86_64, and Microsoft Windows XP has no q35 support (osinfo)";
    expect(template.refusals).toEqual([{ hostId: 'q35-only', hostName: 'q35-only', reasons: [noQ35] }]);
    expect(template.proposals.map((p) => p.hostId)).toEqual(['unknown']);
    // The installer's own choice (i440fx for Windows XP) is judged the same way.
    const installer = bestMatch(installFrom('winxp', { memoryMiB: 512, disks: [{ sizeGiB: 10 }], nics: [] }), [q35Only], installed);
    expect(installer.refusals[0]!.reasons).toEqual([noQ35]);
    // Debian 11 saved from an i440fx VM (virt-manager's old default) drives q35: moved there, its IDE disk onto SATA.
    const debian = bestMatch(request({ machine: 'pc', disks: [{ sizeGiB: 20, bus: 'ide' }] }, { osinfoId: 'debian11' }), [q35Only], installed).proposals[0]!;
    expect(debian.changes.map((c) => c.text)).toEqual([
      "machine i440fx -> q35: the host's QEMU has no i440fx machine for x86_64",
      'disk 1 bus ide -> sata: q35 has no IDE controller',
    ]);
    expect(debian.config.hardware).toMatchObject({ machine: 'q35', disks: [{ bus: 'sata' }] });
    // No chipset at all for the arch (aarch64's "virt" only): a named one is refused.
    const arm = host('arm', { guestArches: ['aarch64'], kvmArches: ['aarch64'], chipsets: { aarch64: [] }, images: [image('debian11', { arch: 'aarch64' })] });
    const armRefusal = bestMatch(request({ arch: 'aarch64', machine: 'q35' }, { osinfoId: 'debian11' }), [arm], installed).refusals[0]!;
    expect(armRefusal.reasons).toEqual(["the host's QEMU has no q35 machine for aarch64"]);
  });

  it('an installer that installs on i440fx gets no Secure Boot, which the deploy refuses there (its chipset is settled first)', () => {
    const uefi = { firmware: 'uefi' as const, secureBoot: true, memoryMiB: 512, disks: [{ sizeGiB: 10 }], nics: [] };
    // No chipset named: the deploy installs Windows XP on i440fx (installerMachine), as the best match must assume.
    const chosen = bestMatch(installFrom('winxp', uefi), [host('h1', isoOf('winxp'))], installed).proposals[0]!;
    expect(chosen.changes.map((c) => c.text)).toContain('Secure Boot requested on i440fx (Secure Boot firmware runs on q35 only) -> without Secure Boot');
    expect(chosen.changes.find((c) => c.field === 'hardware.secureBoot')!.reason).toBe('Secure Boot needs the q35 machine, and Microsoft Windows XP installs on i440fx');
    expect(chosen.config.hardware).toMatchObject({ firmware: 'uefi', secureBoot: false });
    // q35 named and changed to i440fx for the installer: Secure Boot goes too.
    const changed = bestMatch(installFrom('winxp', { ...uefi, machine: 'q35' }), [host('h1', isoOf('winxp'))], installed).proposals[0]!;
    expect(changed.changes.map((c) => c.field)).toEqual(['hardware.machine', 'hardware.secureBoot', 'hardware.disks.0.bus']);
    expect(changed.config.hardware).toMatchObject({ machine: 'pc', firmware: 'uefi', secureBoot: false });
  });
});
