/**
 * Best match: from what the user asked for (a VmRequest) and what each host offers (HostOffer), the closest
 * configuration each host can actually run, every difference listed with its reason in plain words, ranked by
 * a documented distance to the request. Pure: no I/O, no clock.
 *
 * Hard constraints, never traded away (a host that can't meet them is refused, with every reason):
 * - the guest architecture;
 * - the OS distribution (only its version may change, to one whose image the host has);
 * - the OS's minimum resources from osinfo (vCPUs, memory, system disk), and the firmware it requires;
 * - an image's virtual size (the system disk can't be smaller than the image it is made from);
 * - install media the request names (an ISO volume or path): only a host that stores it can install from it.
 * - a chipset (q35, i440fx) the OS drives, where the host's machine types are known.
 * Everything else is soft and costs distance (weights below).
 *
 * The distance is a sum over changes. Resource reductions cost `weight × fraction lost` (memory 32 → 12 GiB
 * loses 62.5 %), so a small cut on a big request costs little; feature losses cost a flat weight.
 * Ties go to the host with the most memory left after the VM (it spreads load), then by host name.
 */
import { InvalidInputError } from '../errors';
import type { HostImage, HostIsoVolume, HostOffer, HostPool } from './HostOffer';
import { describeMedia, findIso, mediaOf } from './installMedia';
import type { OsDatabase, OsEntry } from './osinfo/OsDatabase';
import { deviceSupportOf, installerMachine, type OsDeviceSupport } from './osinfo/osDevices';
import { CHIPSET_NAMES, VmRequestSchema, type VmRequest, type VmRequestInput } from './schemas';
import { GiB, MiB, formatBytes, plural } from './units';

/**
 * Distance weights. The unit is "as bad as losing a whole requested resource of the least important kind".
 * Why each value:
 */
export const WEIGHTS = {
  /** Memory is what users feel first (swapping guests), and it can't be added to a running guest easily. */
  memoryPerFractionLost: 10,
  /** Fewer vCPUs slows the guest but rarely breaks it. */
  vcpusPerFractionLost: 6,
  /** A smaller disk can be grown later online; it costs less than memory or CPUs. */
  diskPerFractionLost: 4,
  /** Raised to the OS's minimum: the user gets more than asked, which only costs host capacity. */
  raisedPerFractionAdded: 0.5,
  /** Another release of the same OS: software versions change. The base cost is paid once... */
  osSubstitute: 8,
  /** ...plus one per release between the two, so the nearest release wins. */
  osReleaseStep: 1,
  /** QEMU emulation (TCG) instead of KVM is 10–50× slower: worse than most cuts. */
  emulation: 7,
  /** UEFI → BIOS: Linux boots the same; UEFI-only features (Secure Boot, large disks with GPT boot) are gone. */
  uefiToBios: 5,
  /** BIOS → UEFI because the OS requires it: nothing is lost. */
  biosToUefi: 1,
  secureBootOff: 3,
  /** Raised to what the OS requires (Secure Boot on). */
  secureBootOn: 1,
  tpmOff: 3,
  /** The NIC joins another network than asked: connectivity differs. */
  networkSubstitute: 2,
  /** No network at all on the host: the NIC is dropped. */
  nicDropped: 6,
  /** Applications can't be installed (no cloud-init in what the guest boots). */
  appsDropped: 6,
  /** Another pool than asked: only where the data sits changes. */
  poolSubstitute: 0.5,
  graphicsSubstitute: 0.5,
  /**
   * A disk bus or NIC model the OS's installer has a driver for (osinfo), instead of virtio: the guest works
   * the same, a little slower, and the installer can see its disk at all.
   */
  installerDriver: 0.5,
  /** The other chipset, one the OS drives, when the host's QEMU lacks the one asked for: its devices differ. */
  chipsetSubstitute: 1,
} as const;

/**
 * The headroom rule: a host keeps max(2 GiB, 10 % of its memory) free for itself (its OS, QEMU's own
 * per-VM overhead, the page cache that keeps disk I/O fast); a pool keeps max(1 GiB, 5 % of its capacity)
 * free, and a new disk reserves its full size there (thin qcow2 disks fill up later; a full pool pauses
 * every guest that writes to it).
 */
export const HEADROOM = {
  memoryMinBytes: 2 * GiB,
  memoryFraction: 0.1,
  poolMinBytes: GiB,
  poolFraction: 0.05,
  /** Memory given after a cut is rounded down to this step, so proposals read as round numbers. */
  memoryStepMiB: 256,
} as const;

export function memoryHeadroomBytes(host: Pick<HostOffer, 'totalMemoryBytes'>): number {
  return Math.max(HEADROOM.memoryMinBytes, host.totalMemoryBytes * HEADROOM.memoryFraction);
}

export function poolHeadroomBytes(pool: Pick<HostPool, 'capacityBytes'>): number {
  return Math.max(HEADROOM.poolMinBytes, pool.capacityBytes * HEADROOM.poolFraction);
}

export interface MatchChange {
  /** The request field it changes, as a path into VmRequest ("hardware.memoryMiB", "hardware.disks.0.sizeGiB"). */
  field: string;
  from: string;
  to: string;
  reason: string;
  cost: number;
  /** "memory 32 GiB -> 12 GiB: host has 14 GiB free (2 GiB kept as headroom)". */
  text: string;
}

export interface MatchProposal {
  hostId: string;
  hostName: string;
  /** The configuration this host can run: the request with every change applied and the pools chosen. */
  config: VmRequest;
  os: OsEntry;
  domainType: 'kvm' | 'qemu' | 'test';
  /** The image the system disk is made from (cloud image) or that installs it (installer ISO). */
  image?: HostImage;
  changes: MatchChange[];
  distance: number;
  /** Host memory still free after the VM runs. */
  memoryLeftBytes: number;
  /** Things worth knowing that are not changes (e.g. below the OS's recommended memory). */
  notes: string[];
}

export interface MatchRefusal {
  hostId: string;
  hostName: string;
  reasons: string[];
}

export interface BestMatchResult {
  /** Best first. One proposal per host: the closest configuration it can run. */
  proposals: MatchProposal[];
  refusals: MatchRefusal[];
}

/**
 * Validates the request (typed field errors), then matches it against every host.
 * Throws InvalidInputError for a malformed request or an OS the database doesn't know.
 */
export interface MatchOptions {
  /** Today as YYYY-MM-DD, to note releases past their end of life and prefer supported ones; no clock in here. */
  today?: string;
}

export function bestMatch(
  input: VmRequestInput | VmRequest,
  hosts: readonly HostOffer[],
  db: OsDatabase,
  options: MatchOptions = {},
): BestMatchResult {
  const request = parseRequest(input);
  const os = db.get(request.os.osinfoId);
  if (!os) {
    throw new InvalidInputError(
      'provisioning.unknown-os',
      `Unknown operating system "${request.os.osinfoId}" (not in the osinfo database)`,
      {
        details: { field: 'os.osinfoId' },
      },
    );
  }
  const proposals: MatchProposal[] = [];
  const refusals: MatchRefusal[] = [];
  for (const host of hosts) {
    const outcome = matchHost(request, os, host, db, options);
    if ('reasons' in outcome) refusals.push(outcome);
    else proposals.push(outcome);
  }
  proposals.sort(compareProposals);
  return { proposals, refusals };
}

export function compareProposals(a: MatchProposal, b: MatchProposal): number {
  return (
    a.distance - b.distance ||
    b.memoryLeftBytes - a.memoryLeftBytes ||
    a.hostName.localeCompare(b.hostName) ||
    a.hostId.localeCompare(b.hostId)
  );
}

function parseRequest(input: VmRequestInput | VmRequest): VmRequest {
  const result = VmRequestSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join('.');
  throw new InvalidInputError('payload.invalid', `${field || 'request'}: ${issue.message}`, { details: { field } });
}

/** The closest configuration one host can run, or why it can't run any. */
export function matchHost(
  request: VmRequest,
  os: OsEntry,
  host: HostOffer,
  db: OsDatabase,
  options: MatchOptions = {},
): MatchProposal | MatchRefusal {
  const refuse = (reasons: string[]): MatchRefusal => ({ hostId: host.hostId, hostName: host.hostName, reasons });
  const arch = request.hardware.arch;
  if (!host.guestArches.includes(arch)) {
    return refuse([`runs ${host.guestArches.length ? host.guestArches.join(', ') : 'no'} guests, not ${arch}`]);
  }
  const { source, installMedia } = request.os;
  if (source === 'install-media' && installMedia) {
    // The ISO the user named is the installer: no other release is tried in its place.
    const iso = findIso(host.isoVolumes, installMedia);
    if (!iso) return refuse([`${describeMedia(installMedia)} is not on this host (install media is used on the host that stores it)`]);
    const outcome = evaluate(request, { os, iso }, host, db, options);
    return Array.isArray(outcome) ? refuse(outcome) : outcome;
  }
  if (source === 'empty-disk') {
    const outcome = evaluate(request, { os }, host, db, options);
    return Array.isArray(outcome) ? refuse(outcome) : outcome;
  }
  const what = source === 'cloud-image' ? 'cloud image' : 'installer ISO';
  const usable = host.images.filter((i) => i.arch === arch && i.kind === source);

  // The requested release is kept whenever the host can run it; another release of the same distro is
  // tried only when it has no image of it, or cannot run it (a release with lower minimums may fit).
  const exact = usable.filter((i) => db.get(i.osinfoId)?.id === os.id).sort(preferCloudInit);
  const exactOutcome =
    exact.length > 0
      ? bestOf(
          exact.map((image) => ({ os, image })),
          request,
          host,
          db,
          options,
        )
      : undefined;
  if (exactOutcome?.best) return exactOutcome.best;
  const exactRefusal = exactOutcome?.firstRefusal;

  const substitutes = substitutesFor(os, usable, db, what, exactRefusal, options);
  if (substitutes.length === 0) {
    const here = [...new Set(usable.map((i) => db.get(i.osinfoId)?.name ?? i.osinfoId))];
    return refuse(
      exactRefusal ?? [
        `no ${what} of ${os.distro ? distroName(os) : os.name} for ${arch} (${here.length ? `it has ${here.join(', ')}` : `it has no ${what} for ${arch}`})`,
      ],
    );
  }
  const outcome = bestOf(substitutes, request, host, db, options);
  return outcome.best ?? refuse(exactRefusal ?? outcome.firstRefusal ?? ['no configuration fits']);
}

interface OsChoice {
  os: OsEntry;
  image?: HostImage;
  /** The installer ISO the request named, as this host has it. */
  iso?: HostIsoVolume;
  change?: MatchChange;
}

/** Each choice evaluated in full; the closest proposal, or the first choice's reasons. */
function bestOf(
  choices: OsChoice[],
  request: VmRequest,
  host: HostOffer,
  db: OsDatabase,
  options: MatchOptions,
): { best?: MatchProposal; firstRefusal?: string[] } {
  let best: MatchProposal | undefined;
  let firstRefusal: string[] | undefined;
  for (const choice of choices) {
    const outcome = evaluate(request, choice, host, db, options);
    if (Array.isArray(outcome)) firstRefusal ??= outcome;
    else if (!best || compareProposals(outcome, best) < 0) best = outcome;
  }
  return { best, firstRefusal };
}

/**
 * Other releases of the OS's distro with an image here: nearest first; at equal distance a supported one
 * (not past its end of life), then an LTS, then the older.
 */
function substitutesFor(
  os: OsEntry,
  usable: HostImage[],
  db: OsDatabase,
  what: string,
  exactRefusal: string[] | undefined,
  options: MatchOptions,
): OsChoice[] {
  if (!os.distro) return [];
  const releases = db.releasesOf(os.distro);
  const position = releases.indexOf(os);
  const found: Array<{ os: OsEntry; image: HostImage; steps: number }> = [];
  for (const image of usable) {
    const other = db.get(image.osinfoId);
    if (!other || other === os || other.distro !== os.distro) continue;
    found.push({ os: other, image, steps: Math.abs(releases.indexOf(other) - position) });
  }
  found.sort(
    (a, b) =>
      a.steps - b.steps ||
      Number(isEndOfLife(a.os, options.today)) - Number(isEndOfLife(b.os, options.today)) ||
      Number(isLts(b.os)) - Number(isLts(a.os)) ||
      releases.indexOf(a.os) - releases.indexOf(b.os) ||
      preferCloudInit(a.image, b.image),
  );
  return found.map(({ os: other, image, steps }) => {
    const cost = WEIGHTS.osSubstitute + WEIGHTS.osReleaseStep * steps;
    const reason = exactRefusal ? exactRefusal.join('; ') : `${os.name} ${what} missing, ${other.name} ${what} available`;
    const text = exactRefusal
      ? `OS ${os.name} -> ${other.name}: ${reason}`
      : `${os.name} ${what} missing -> ${other.name} ${what} available`;
    return { os: other, image, change: change('os.osinfoId', os.name, other.name, reason, cost, text) };
  });
}

const preferCloudInit = (a: HostImage, b: HostImage) => Number(b.cloudInit) - Number(a.cloudInit) || a.volume.localeCompare(b.volume);
const isEndOfLife = (os: OsEntry, today: string | undefined) => Boolean(today && os.eolDate && os.eolDate < today);
const isLts = (os: OsEntry) => /\bLTS\b/.test(os.name);
const distroName = (os: OsEntry) => os.name.replace(/\s*\d[\w.]*(\s+LTS)?$/, '') || os.name;

function change(
  field: string,
  from: string,
  to: string,
  reason: string,
  cost: number,
  text = `${labelOf(field)} ${from} -> ${to}: ${reason}`,
): MatchChange {
  return { field, from, to, reason, cost: round(cost), text };
}

function labelOf(field: string): string {
  const disk = /^hardware\.disks\.(\d+)\.(\w+)$/.exec(field);
  if (disk) return `disk ${Number(disk[1]) + 1} ${disk[2] === 'sizeGiB' ? 'size' : disk[2]}`;
  const nic = /^hardware\.nics\.(\d+)\.(\w+)$/.exec(field);
  if (nic) return `NIC ${Number(nic[1]) + 1} ${nic[2]}`;
  const labels: Record<string, string> = {
    'hardware.memoryMiB': 'memory',
    'hardware.vcpus': 'vCPUs',
    'hardware.firmware': 'firmware',
    'hardware.machine': 'machine',
    'hardware.secureBoot': 'Secure Boot',
    'hardware.tpm': 'TPM',
    'hardware.graphics': 'graphics',
    domainType: 'acceleration',
    apps: 'applications',
  };
  return labels[field] ?? field;
}

const round = (value: number) => Math.round(value * 1e6) / 1e6;

/** One OS choice on one host: the proposal, or the hard reasons it can't run. */
function evaluate(request: VmRequest, choice: OsChoice, host: HostOffer, db: OsDatabase, options: MatchOptions): MatchProposal | string[] {
  const { os } = choice;
  const arch = request.hardware.arch;
  const image = choice.iso ? isoImage(choice.iso, os, arch) : choice.image;
  const config = copyRequest(request);
  config.os.osinfoId = os.shortId;
  // The proposal names the ISO it installs from, so deploying it needs no second look for one.
  if (choice.iso) config.os.installMedia = mediaOf(choice.iso);
  else if (image?.kind === 'install-media') config.os.installMedia = { kind: 'volume', pool: image.pool, volume: image.volume };
  const hw = config.hardware;
  const changes: MatchChange[] = choice.change ? [choice.change] : [];
  const reasons: string[] = [];
  const notes: string[] = [];
  if (isEndOfLife(os, options.today)) notes.push(`${os.name} reached its end of life on ${os.eolDate}`);
  const minimum = db.minimum(os, arch);
  const recommended = db.recommended(os, arch);

  const domainType = host.simulated ? 'test' : host.kvmArches.includes(arch) ? 'kvm' : 'qemu';
  if (domainType === 'qemu') {
    changes.push(
      change(
        'domainType',
        'KVM',
        'QEMU emulation',
        host.kvmUnusable ? `KVM listed but unusable: ${host.kvmUnusable}` : `the host has no KVM for ${arch} (emulation is much slower)`,
        WEIGHTS.emulation,
      ),
    );
  }

  // Firmware: what the OS requires is hard; what the user asked is soft.
  const needs = db.firmwareNeeds(os, arch);
  if (hw.firmware === 'uefi' && !host.firmware.uefi) {
    if (needs.uefiRequired) reasons.push(`${os.name} boots only with UEFI, and the host has no UEFI firmware (OVMF)`);
    else {
      changes.push(
        change(
          'hardware.firmware',
          'UEFI',
          'BIOS',
          'UEFI requested, host has no OVMF',
          WEIGHTS.uefiToBios,
          'UEFI requested, host has no OVMF -> BIOS',
        ),
      );
      hw.firmware = 'bios';
    }
  } else if (hw.firmware === 'bios' && needs.uefiRequired) {
    if (!host.firmware.uefi) reasons.push(`${os.name} boots only with UEFI, and the host has no UEFI firmware (OVMF)`);
    else {
      changes.push(change('hardware.firmware', 'BIOS', 'UEFI', `${os.name} does not boot with BIOS`, WEIGHTS.biosToUefi));
      hw.firmware = 'uefi';
    }
  } else if (hw.firmware === 'uefi' && !needs.uefiSupported) {
    changes.push(change('hardware.firmware', 'UEFI', 'BIOS', `${os.name} does not boot with UEFI`, WEIGHTS.uefiToBios));
    hw.firmware = 'bios';
  }
  // The chipset is settled before Secure Boot is judged: an installer whose OS has no q35 support installs on
  // i440fx (the deploy's choice too), where no Secure Boot firmware runs.
  const support = config.os.source === 'install-media' ? deviceSupportOf(db, os) : undefined;
  const wanted = support ? installerChipset(hw, os, support, changes) : hw.machine;
  const machine = wanted && hostChipset(hw, wanted, os, () => support ?? deviceSupportOf(db, os), host, changes, reasons);
  if (machine === 'pc' && hw.firmware === 'uefi' && (hw.secureBoot || needs.secureBootRequired)) {
    // OVMF's Secure Boot builds run on q35 only (their firmware descriptors list no i440fx machine).
    const onI440fx = hw.machine === 'pc' ? 'this VM is i440fx' : `${os.name} installs on i440fx`;
    if (needs.secureBootRequired) reasons.push(`${os.name} requires Secure Boot, which needs the q35 machine, and ${onI440fx}`);
    else {
      changes.push(
        change(
          'hardware.secureBoot',
          'on',
          'off',
          `Secure Boot needs the q35 machine, and ${onI440fx}`,
          WEIGHTS.secureBootOff,
          'Secure Boot requested on i440fx (Secure Boot firmware runs on q35 only) -> without Secure Boot',
        ),
      );
      hw.secureBoot = false;
    }
  } else if (hw.firmware === 'bios') {
    if (hw.secureBoot) {
      changes.push(
        change(
          'hardware.secureBoot',
          'on',
          'off',
          'Secure Boot needs UEFI, and this VM boots with BIOS',
          WEIGHTS.secureBootOff,
          'Secure Boot requested, VM boots with BIOS -> without Secure Boot',
        ),
      );
      hw.secureBoot = false;
    }
  } else if (needs.secureBootRequired && host.firmware.uefi) {
    if (!host.firmware.secureBoot) reasons.push(`${os.name} requires Secure Boot, and the host's UEFI firmware has no Secure Boot build`);
    else if (!hw.secureBoot) {
      changes.push(change('hardware.secureBoot', 'off', 'on', `${os.name} requires Secure Boot`, WEIGHTS.secureBootOn));
      hw.secureBoot = true;
    }
  } else if (hw.secureBoot && !host.firmware.secureBoot) {
    changes.push(
      change(
        'hardware.secureBoot',
        'on',
        'off',
        "the host's OVMF has no Secure Boot build",
        WEIGHTS.secureBootOff,
        'Secure Boot requested, host has no Secure Boot OVMF -> without Secure Boot',
      ),
    );
    hw.secureBoot = false;
  }

  if (hw.tpm && !host.tpmEmulator) {
    changes.push(change('hardware.tpm', 'on', 'off', 'no swtpm on the host', WEIGHTS.tpmOff, 'TPM requested, no swtpm -> without TPM'));
    hw.tpm = false;
  }

  // vCPUs: at most one per host CPU; at least the OS's minimum.
  const minCpus = minimum.cpus ?? 1;
  if (host.cpus < minCpus) reasons.push(`${os.name} needs at least ${plural(minCpus, 'vCPU')}; the host has ${plural(host.cpus, 'CPU')}`);
  else if (hw.vcpus < minCpus) {
    changes.push(
      change(
        'hardware.vcpus',
        String(hw.vcpus),
        String(minCpus),
        `${os.name} needs at least ${minCpus}`,
        WEIGHTS.raisedPerFractionAdded * ((minCpus - hw.vcpus) / hw.vcpus),
      ),
    );
    hw.vcpus = minCpus;
  } else if (hw.vcpus > host.cpus) {
    changes.push(
      change(
        'hardware.vcpus',
        String(hw.vcpus),
        String(host.cpus),
        `host has ${plural(host.cpus, 'CPU')} (at most one vCPU each)`,
        WEIGHTS.vcpusPerFractionLost * ((hw.vcpus - host.cpus) / hw.vcpus),
      ),
    );
    hw.vcpus = host.cpus;
  }

  // Memory: what is free minus the headroom, in round steps; at least the OS's minimum.
  const headroom = memoryHeadroomBytes(host);
  const step = HEADROOM.memoryStepMiB * MiB;
  const usableMemory = Math.max(0, Math.floor((host.freeMemoryBytes - headroom) / step) * step);
  const minMemory = minimum.ramBytes ?? 0;
  const asked = hw.memoryMiB * MiB;
  const freeText = `host has ${formatBytes(host.freeMemoryBytes)} free (${formatBytes(headroom)} kept as headroom)`;
  if (usableMemory < Math.max(minMemory, 128 * MiB)) {
    reasons.push(
      minMemory > 0 ? `${os.name} needs at least ${formatBytes(minMemory)} of memory; ${freeText}` : `not enough memory: ${freeText}`,
    );
  } else if (asked < minMemory) {
    changes.push(
      change(
        'hardware.memoryMiB',
        formatBytes(asked),
        formatBytes(minMemory),
        `${os.name} needs at least ${formatBytes(minMemory)}`,
        WEIGHTS.raisedPerFractionAdded * ((minMemory - asked) / asked),
      ),
    );
    hw.memoryMiB = Math.ceil(minMemory / MiB);
  } else if (asked > usableMemory) {
    changes.push(
      change(
        'hardware.memoryMiB',
        formatBytes(asked),
        formatBytes(usableMemory),
        freeText,
        WEIGHTS.memoryPerFractionLost * ((asked - usableMemory) / asked),
      ),
    );
    hw.memoryMiB = usableMemory / MiB;
  }
  if (recommended.ramBytes && hw.memoryMiB * MiB < recommended.ramBytes && hw.memoryMiB * MiB < asked) {
    notes.push(`memory is below the ${formatBytes(recommended.ramBytes)} ${os.name} recommends`);
  }

  placeDisks(hw, os, image, minimum.storageBytes ?? 0, host, changes, reasons);
  chooseNetworks(hw, host, changes);
  if (support && machine) {
    installerDrivers(hw, os, support, machine, changes);
  } else if (hw.machine === 'q35') {
    idesOnQ35(hw, 'q35 has no IDE controller', changes);
  }
  if (config.os.source === 'install-media') {
    if (hw.graphics === 'none') notes.push('no graphics: the installer is reachable on the serial console only');
  }

  if (hw.graphics !== 'none' && host.graphics.length > 0 && !host.graphics.includes(hw.graphics)) {
    const other = host.graphics[0]!;
    changes.push(
      change(
        'hardware.graphics',
        hw.graphics.toUpperCase(),
        other.toUpperCase(),
        `the host's QEMU has no ${hw.graphics.toUpperCase()}`,
        WEIGHTS.graphicsSubstitute,
      ),
    );
    hw.graphics = other;
  }

  if (config.apps.length > 0 && !image?.cloudInit) {
    const why =
      config.os.source === 'install-media' ? 'the installer ISO has no cloud-init' : image ? 'the image has no cloud-init' : 'an empty disk has no cloud-init';
    changes.push(
      change(
        'apps',
        config.apps.join(', '),
        'none',
        why,
        WEIGHTS.appsDropped,
        `applications ${config.apps.join(', ')} not installed: ${why}`,
      ),
    );
    config.apps = [];
  }

  if (reasons.length > 0) return reasons;
  return {
    hostId: host.hostId,
    hostName: host.hostName,
    config,
    os,
    domainType,
    ...(image ? { image } : {}),
    changes,
    distance: round(changes.reduce((sum, c) => sum + c.cost, 0)),
    memoryLeftBytes: host.freeMemoryBytes - hw.memoryMiB * MiB,
    notes,
  };
}

/** The named ISO as the image of a proposal (the review shows its pool and volume); none for a file outside any pool. */
function isoImage(iso: HostIsoVolume, os: OsEntry, arch: VmRequest['hardware']['arch']): HostImage | undefined {
  if (iso.pool === undefined || iso.volume === undefined) return undefined;
  return { osinfoId: os.shortId, arch, kind: 'install-media', format: 'iso', cloudInit: false, pool: iso.pool, volume: iso.volume };
}

/**
 * The installer must see the disk it installs onto and drive the NIC it fetches packages through: a virtio
 * device the OS has no driver for (osinfo, as virt-install reads it) becomes what virt-install gives it on the
 * machine type the OS installs on (installerMachine): a SATA disk and an e1000e NIC on q35, an IDE disk and an
 * e1000 NIC on i440fx (an OS without q35 support predates AHCI and the 82574 NIC: Windows XP's setup sees
 * neither). An IDE disk asked for on q35 (it has no IDE controller) becomes SATA. Each is a change with its
 * reason. An OS the database lists no devices for gets them too (virt-install's reading: unknown is unsupported).
 */
function installerDrivers(hw: VmRequest['hardware'], os: OsEntry, support: OsDeviceSupport, machine: 'q35' | 'pc', changes: MatchChange[]): void {
  const q35 = machine === 'q35';
  const legacyBus = q35 ? 'sata' : 'ide';
  // osinfo lists nothing for the oldest OSes: what every x86 OS drives, rather than a device the installer may not see.
  const noDriver = (what: string) => (support.stated ? `${os.name} has no ${what} driver of its own (osinfo)` : `osinfo lists no drivers for ${os.name}`);
  hw.disks.forEach((disk, index) => {
    const missing = disk.bus === 'virtio' && !support.virtioBlock ? 'virtio-block' : disk.bus === 'scsi' && !support.virtioScsi ? 'virtio-scsi' : undefined;
    const field = `hardware.disks.${index}.bus`;
    if (missing) {
      changes.push(change(field, disk.bus, legacyBus, noDriver(missing), WEIGHTS.installerDriver));
      disk.bus = legacyBus;
    }
  });
  if (q35) idesOnQ35(hw, `${os.name} installs on q35, which has no IDE controller`, changes);
  const legacyNic = q35 ? 'e1000e' : 'e1000';
  hw.nics.forEach((nic, index) => {
    if (nic.model !== 'virtio' || support.virtioNet) return;
    changes.push(change(`hardware.nics.${index}.model`, 'virtio', legacyNic, noDriver('virtio-net'), WEIGHTS.installerDriver));
    nic.model = legacyNic;
  });
}

/**
 * The chipset an installer runs on, as the deploy picks it (Deployer: the request's, else installerMachine):
 * i440fx asked for (a template of an older VM) stays, every x86 OS drives it; q35 asked for an OS without q35
 * support becomes i440fx, a change with its reason.
 */
function installerChipset(hw: VmRequest['hardware'], os: OsEntry, support: OsDeviceSupport, changes: MatchChange[]): 'q35' | 'pc' {
  const machine = hw.machine === 'pc' ? 'pc' : installerMachine(support);
  if (hw.machine === 'q35' && machine === 'pc') {
    const why = support.virtioNet && !support.virtio1 ? `${os.name} drives legacy virtio only, which q35 does not give` : `${os.name} has no q35 support (osinfo)`;
    changes.push(change('hardware.machine', 'q35', 'i440fx', why, WEIGHTS.installerDriver));
    hw.machine = 'pc';
  }
  return machine;
}

/**
 * The chipset on this host, where its machine types are known: the one asked for; else the other, when the OS
 * drives it (every x86 OS drives i440fx; q35 as installerMachine says), as a change (IDE disks then become
 * SATA); else a refusal (the OS would not see its disk).
 */
function hostChipset(
  hw: VmRequest['hardware'],
  asked: 'q35' | 'pc',
  os: OsEntry,
  /** Read only when the host lacks the chipset asked for. */
  support: () => OsDeviceSupport,
  host: HostOffer,
  changes: MatchChange[],
  reasons: string[],
): 'q35' | 'pc' {
  const chipsets = host.chipsets?.[hw.arch];
  if (!chipsets || chipsets.includes(asked)) return asked;
  const missing = `the host's QEMU has no ${CHIPSET_NAMES[asked]} machine for ${hw.arch}`;
  const other = asked === 'pc' ? 'q35' : 'pc';
  if (!chipsets.includes(other)) {
    reasons.push(missing);
    return asked;
  }
  if (other === 'q35' && installerMachine(support()) !== 'q35') {
    reasons.push(`${missing}, and ${os.name} has no q35 support (osinfo)`);
    return asked;
  }
  changes.push(change('hardware.machine', CHIPSET_NAMES[asked], CHIPSET_NAMES[other], missing, WEIGHTS.chipsetSubstitute));
  hw.machine = other;
  return other;
}

/** IDE disks on a q35 VM become SATA (q35 has no IDE controller; its AHCI is what the same OSes drive next). */
function idesOnQ35(hw: VmRequest['hardware'], reason: string, changes: MatchChange[]): void {
  hw.disks.forEach((disk, index) => {
    if (disk.bus !== 'ide') return;
    changes.push(change(`hardware.disks.${index}.bus`, 'ide', 'sata', reason, WEIGHTS.installerDriver));
    disk.bus = 'sata';
  });
}

/** A deep copy of a request, written out: structuredClone took about half of a match's time (bench p50 0.6 -> 0.25 ms). */
function copyRequest(request: VmRequest): VmRequest {
  const hw = request.hardware;
  return {
    os: { ...request.os },
    hardware: { ...hw, disks: hw.disks.map((d) => ({ ...d })), nics: hw.nics.map((n) => ({ ...n })) },
    apps: [...request.apps],
  };
}

/**
 * Every disk gets a pool: the one asked for when it has room, otherwise the pool with the most room left
 * (ties by name). A disk that fits nowhere is cut to the room there is, never below its floor (the OS's
 * minimum and the image's size for the system disk, 1 GiB for the others).
 */
function placeDisks(
  hw: VmRequest['hardware'],
  os: OsEntry,
  image: HostImage | undefined,
  minStorage: number,
  host: HostOffer,
  changes: MatchChange[],
  reasons: string[],
): void {
  const room = new Map<string, number>();
  for (const pool of host.pools) if (pool.active) room.set(pool.name, Math.max(0, pool.freeBytes - poolHeadroomBytes(pool)));
  if (room.size === 0) {
    reasons.push('has no active storage pool');
    return;
  }
  hw.disks.forEach((disk, index) => {
    const field = `hardware.disks.${index}`;
    const system = index === 0;
    const imageSize = system && image?.kind === 'cloud-image' ? (image.virtualSizeBytes ?? 0) : 0;
    const floor = system ? Math.max(minStorage, imageSize, GiB) : GiB;
    const floorGiB = Math.ceil(floor / GiB);
    if (disk.sizeGiB < floorGiB) {
      const why =
        imageSize > minStorage
          ? `the ${image!.volume} image is ${formatBytes(imageSize)}`
          : `${os.name} needs at least ${formatBytes(minStorage)}`;
      changes.push(
        change(
          `${field}.sizeGiB`,
          `${disk.sizeGiB} GiB`,
          `${floorGiB} GiB`,
          why,
          WEIGHTS.raisedPerFractionAdded * ((floorGiB - disk.sizeGiB) / disk.sizeGiB),
        ),
      );
      disk.sizeGiB = floorGiB;
    }
    const wanted = disk.sizeGiB * GiB;
    const named = disk.pool;
    let pool = named && (room.get(named) ?? -1) >= wanted ? named : undefined;
    if (!pool) {
      pool = [...room.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
      if (named) {
        const where = host.pools.find((p) => p.name === named);
        const why = !where
          ? `pool ${named} not on this host`
          : !where.active
            ? `pool ${named} is not active`
            : `pool ${named} has ${formatBytes(room.get(named)!)} to spare`;
        if (named !== pool) changes.push(change(`${field}.pool`, named, pool, why, WEIGHTS.poolSubstitute));
      }
    }
    const available = room.get(pool)!;
    if (available < wanted) {
      const spare = Math.floor(available / GiB);
      if (spare * GiB < floor) {
        const poolText = `pool ${pool} has ${formatBytes(available)} to spare (${formatBytes(poolHeadroomBytes(host.pools.find((p) => p.name === pool)!))} kept free)`;
        reasons.push(
          system
            ? `the system disk needs at least ${formatBytes(floor)}; the roomiest ${poolText}`
            : `disk ${index + 1} needs at least 1 GiB; the roomiest ${poolText}`,
        );
        return;
      }
      changes.push(
        change(
          `${field}.sizeGiB`,
          `${disk.sizeGiB} GiB`,
          `${spare} GiB`,
          `pool ${pool} has ${formatBytes(available)} to spare`,
          WEIGHTS.diskPerFractionLost * ((disk.sizeGiB - spare) / disk.sizeGiB),
        ),
      );
      disk.sizeGiB = spare;
    }
    disk.pool = pool;
    room.set(pool, available - disk.sizeGiB * GiB);
  });
}

/** Rank of forward modes when a NIC's network is missing: NAT first (it reaches out and stays private). */
const FORWARD_PREFERENCE = ['nat', 'route', 'open', 'bridge', 'isolated'];

function chooseNetworks(hw: VmRequest['hardware'], host: HostOffer, changes: MatchChange[]): void {
  const active = host.networks.filter((n) => n.active);
  const fallback = [...active].sort(
    (a, b) =>
      Number(b.name === 'default') - Number(a.name === 'default') || rank(a.forward) - rank(b.forward) || a.name.localeCompare(b.name),
  )[0];
  const kept: VmRequest['hardware']['nics'] = [];
  hw.nics.forEach((nic, index) => {
    const field = `hardware.nics.${index}.network`;
    if (active.some((n) => n.name === nic.network)) {
      kept.push(nic);
      return;
    }
    const present = host.networks.some((n) => n.name === nic.network);
    const why = present ? `network ${nic.network} is not active` : `network ${nic.network} not on this host`;
    if (!fallback) {
      changes.push(
        change(
          field,
          nic.network,
          'none',
          `${why}, and the host has no active network`,
          WEIGHTS.nicDropped,
          `NIC ${index + 1} on ${nic.network} removed: ${why}, and the host has no active network`,
        ),
      );
      return;
    }
    changes.push(change(field, nic.network, fallback.name, `${why} (${fallback.name} is ${fallback.forward})`, WEIGHTS.networkSubstitute));
    kept.push({ ...nic, network: fallback.name });
  });
  hw.nics = kept;
}

const rank = (forward: string) => {
  const at = FORWARD_PREFERENCE.indexOf(forward);
  return at < 0 ? FORWARD_PREFERENCE.length : at;
};
