/**
 * The operating systems Tandem can provision, read from the osinfo database (Debian package `osinfo-db`, the
 * data behind libosinfo, virt-install and GNOME Boxes): one XML file per OS under `<dir>/os/<vendor>/`.
 * Parsed with our XML layer into a typed, indexed model. A file we do not understand is skipped with the
 * reason (logged and kept in `skipped`), never fatal: the database is third-party data and grows new
 * elements every release.
 *
 * Resources follow libosinfo's rules: a `<resources arch="x">` block beats `arch="all"`, field by field; a
 * block marked `inherit="true"` takes the resources of the OS it `derives-from`.
 * Schema: /usr/share/osinfo/schema/osinfo.rng.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLogger, type Logger } from '../../logging';
import { XmlDocument, XmlNode } from '../../xml/XmlDocument';

export interface OsResources {
  cpus?: number;
  /** Minimum CPU clock, in Hz, as the db states it. */
  cpuHz?: number;
  ramBytes?: number;
  storageBytes?: number;
}

export interface OsResourceBlock {
  /** A guest architecture (x86_64, aarch64, ...) or "all". */
  arch: string;
  inherit: boolean;
  minimum?: OsResources;
  recommended?: OsResources;
  maximum?: OsResources;
}

export type FirmwareType = 'bios' | 'efi';

export interface OsFirmware {
  arch: string;
  type: FirmwareType;
  /** false: the OS cannot boot with this firmware (e.g. Windows 11 on BIOS). */
  supported: boolean;
  /** Stated by newer db versions as `<feature name="secure-boot" .../>`; absent when the db says nothing. */
  secureBoot?: 'required' | 'supported' | 'unsupported';
}

export interface OsInstallMedia {
  arch: string;
  url?: string;
  variant?: string;
  live: boolean;
}

export interface OsDiskImage {
  arch: string;
  /** qcow2, raw, vmdk, containerdisk, ... as the db states it. */
  format: string;
  url?: string;
  cloudInit: boolean;
  variant?: string;
}

/** A device the OS has drivers for (`<devices><device id=.../>`), or, with supported false, one it lost. */
export interface OsDevice {
  /** osinfo's device id, e.g. "http://pcisig.com/pci/1af4/1042" (virtio 1.0 block). */
  id: string;
  supported: boolean;
}

export type ReleaseStatus = 'released' | 'prerelease' | 'rolling' | 'snapshot';

export interface OsEntry {
  /** The URL id, e.g. "http://debian.org/debian/11". */
  id: string;
  /** The first short id, e.g. "debian11" (what virt-install's --osinfo takes). */
  shortId: string;
  shortIds: string[];
  name: string;
  vendor?: string;
  /** linux, winnt, freebsd, ... */
  family?: string;
  /** debian, ubuntu, fedora, win, ... */
  distro?: string;
  version?: string;
  codename?: string;
  releaseDate?: string;
  eolDate?: string;
  releaseStatus: ReleaseStatus;
  derivesFrom?: string;
  /** A re-branded copy of another OS (Rocky of RHEL): libosinfo gives it that OS's devices too. */
  clones?: string;
  upgrades?: string;
  resources: OsResourceBlock[];
  firmware: OsFirmware[];
  media: OsInstallMedia[];
  images: OsDiskImage[];
  devices: OsDevice[];
  cloudImageUsername?: string;
  /** The file it came from. */
  source: string;
}

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface FirmwareNeeds {
  /** UEFI is the only firmware the OS boots with on this arch. */
  uefiRequired: boolean;
  /** The db says the OS can use UEFI on this arch (or says nothing against it). */
  uefiSupported: boolean;
  secureBootRequired: boolean;
}

const RELEASE_STATUSES: ReadonlySet<string> = new Set(['released', 'prerelease', 'rolling', 'snapshot']);

/** The default places of the database, as libosinfo looks them up (system data; OSINFO_SYSTEM_DIR overrides). */
export function defaultOsinfoDirs(): string[] {
  return [process.env.OSINFO_SYSTEM_DIR ?? '/usr/share/osinfo'];
}

export class OsDatabase {
  private readonly byId = new Map<string, OsEntry>();
  private readonly byShortId = new Map<string, OsEntry>();
  private readonly byDistro = new Map<string, OsEntry[]>();

  constructor(
    entries: Iterable<OsEntry>,
    readonly skipped: readonly SkippedFile[] = [],
  ) {
    for (const entry of entries) {
      this.byId.set(entry.id, entry);
      for (const shortId of entry.shortIds) this.byShortId.set(shortId, entry);
    }
    for (const entry of this.byId.values()) {
      if (!entry.distro) continue;
      const list = this.byDistro.get(entry.distro) ?? [];
      list.push(entry);
      this.byDistro.set(entry.distro, list);
    }
    for (const list of this.byDistro.values()) list.sort(compareReleases);
  }

  /**
   * Reads every `os/**.xml` of the given database folders (later folders override earlier ones by OS id).
   * Files in `<os>.d/` folders only add drivers to an OS defined elsewhere: not modelled, skipped.
   */
  static async load(dirs: string[] = defaultOsinfoDirs(), log: Logger = createLogger('osinfo')): Promise<OsDatabase> {
    const entries = new Map<string, OsEntry>();
    const skipped: SkippedFile[] = [];
    for (const dir of dirs) {
      const files = await xmlFilesUnder(join(dir, 'os')).catch((error: NodeJS.ErrnoException) => {
        skipped.push({
          file: join(dir, 'os'),
          reason: error.code === 'ENOENT' ? 'no osinfo database here (Debian package osinfo-db)' : error.message,
        });
        return [];
      });
      // Reading is I/O bound and parsing CPU bound: read all at once, parse one by one.
      const texts = await Promise.all(files.map(async (file) => ({ file, text: await readFile(file, 'utf8').catch((e: Error) => e) })));
      let sinceYield = 0;
      for (const { file, text } of texts) {
        // Parsing the whole db takes about half a second of CPU: yield now and then so the main process
        // keeps answering while it loads.
        if (++sinceYield % 25 === 0) await new Promise((resolve) => setImmediate(resolve));
        if (/\.d\//.test(file)) {
          skipped.push({ file, reason: 'drivers for an OS defined elsewhere (not modelled)' });
          continue;
        }
        if (text instanceof Error) {
          skipped.push({ file, reason: `unreadable: ${text.message}` });
          continue;
        }
        for (const result of parseOsinfoXml(text, file)) {
          if ('reason' in result) skipped.push(result);
          else entries.set(result.id, result);
        }
      }
    }
    for (const s of skipped) log.debug(`skipped ${s.file}: ${s.reason}`);
    const notDrivers = skipped.filter((s) => !s.reason.startsWith('drivers for'));
    if (entries.size === 0) log.warn(`no operating system found in the osinfo database (${dirs.join(', ')})`);
    if (notDrivers.length > 0)
      log.warn(`${notDrivers.length} osinfo file(s) skipped, e.g. ${notDrivers[0]!.file}: ${notDrivers[0]!.reason}`);
    return new OsDatabase(entries.values(), skipped);
  }

  get size(): number {
    return this.byId.size;
  }

  all(): IterableIterator<OsEntry> {
    return this.byId.values();
  }

  /** By URL id ("http://ubuntu.com/ubuntu/22.04") or short id ("ubuntu22.04"). */
  get(id: string): OsEntry | undefined {
    return this.byId.get(id) ?? this.byShortId.get(id);
  }

  /** Every release of a distro, oldest first (by version, numeric-aware, then release date). */
  releasesOf(distro: string): readonly OsEntry[] {
    return this.byDistro.get(distro) ?? [];
  }

  minimum(os: OsEntry, arch: string): OsResources {
    return this.resources(os, arch, 'minimum');
  }

  recommended(os: OsEntry, arch: string): OsResources {
    return this.resources(os, arch, 'recommended');
  }

  /** Minimum/recommended resources for an arch: the arch's block field by field over "all", inheritance followed. */
  resources(os: OsEntry, arch: string, kind: 'minimum' | 'recommended' | 'maximum'): OsResources {
    const result: OsResources = {};
    const seen = new Set<string>();
    let current: OsEntry | undefined = os;
    // Each step fills only the fields still missing, so an arch-specific block beats "all" and the OS beats
    // what it inherits.
    while (current && !seen.has(current.id)) {
      seen.add(current.id);
      let inherit = false;
      for (const block of [...current.resources.filter((b) => b.arch === arch), ...current.resources.filter((b) => b.arch === 'all')]) {
        const values = block[kind];
        if (values) for (const key of Object.keys(values) as Array<keyof OsResources>) result[key] ??= values[key];
        inherit ||= block.inherit;
      }
      current = inherit && current.derivesFrom ? this.byId.get(current.derivesFrom) : undefined;
    }
    return result;
  }

  /**
   * The devices the OS has drivers for, as libosinfo's osinfo_os_get_all_devices gives them: every device
   * listed by it or by the OSes it derives from or clones, less every device one of them lists with
   * `supported="false"` (wherever in the chain: an OS cannot list back a device an ancestor lost). `stated` is
   * false when no OS of the chain lists any device: the database then says nothing either way.
   */
  devicesOf(os: OsEntry): { stated: boolean; supported: ReadonlySet<string> } {
    const listed = new Set<string>();
    const unsupported = new Set<string>();
    const seen = new Set<string>();
    const queue: OsEntry[] = [os];
    while (queue.length > 0) {
      const current = queue.shift()!;
      if (seen.has(current.id)) continue;
      seen.add(current.id);
      for (const device of current.devices) {
        listed.add(device.id);
        if (!device.supported) unsupported.add(device.id);
      }
      for (const parent of [current.derivesFrom, current.clones]) {
        const entry = parent ? this.byId.get(parent) : undefined;
        if (entry) queue.push(entry);
      }
    }
    return { stated: listed.size > 0, supported: new Set([...listed].filter((id) => !unsupported.has(id))) };
  }

  firmwareNeeds(os: OsEntry, arch: string): FirmwareNeeds {
    const stated = os.firmware.filter((f) => f.arch === arch);
    const bios = stated.find((f) => f.type === 'bios');
    const efi = stated.find((f) => f.type === 'efi');
    return {
      uefiRequired: bios?.supported === false && efi?.supported !== false,
      uefiSupported: efi?.supported !== false,
      secureBootRequired: efi?.secureBoot === 'required',
    };
  }
}

/**
 * The database, loaded once on first use (not at app start: it costs about half a second, see
 * `npm run bench`). A failed load is not cached, so the next use tries again.
 */
export class LazyOsDatabase {
  private loading: Promise<OsDatabase> | undefined;

  constructor(private readonly load: () => Promise<OsDatabase> = () => OsDatabase.load()) {}

  get(): Promise<OsDatabase> {
    this.loading ??= this.load().catch((error: unknown) => {
      this.loading = undefined;
      throw error;
    });
    return this.loading;
  }
}

/** Parses one osinfo XML file; each `<os>` gives an entry or the reason it was skipped. */
export function parseOsinfoXml(text: string, file: string): Array<OsEntry | SkippedFile> {
  let document: XmlDocument;
  try {
    document = XmlDocument.parse(text, `osinfo file ${file}`);
  } catch (error) {
    return [{ file, reason: (error as Error).message }];
  }
  const root = new XmlNode(document.root);
  if (document.root.nodeName !== 'libosinfo') return [{ file, reason: `root element is <${document.root.nodeName}>, not <libosinfo>` }];
  const oses = root.elements('os');
  if (oses.length === 0) return [{ file, reason: 'no <os> element (only devices, platforms or scripts)' }];
  return oses.map((os) => parseOs(os, file));
}

function parseOs(os: XmlNode, file: string): OsEntry | SkippedFile {
  try {
    return parseOsOrThrow(os, file);
  } catch (error) {
    return { file, reason: (error as Error).message };
  }
}

function parseOsOrThrow(os: XmlNode, file: string): OsEntry | SkippedFile {
  const id = os.value('@id');
  if (!id) return { file, reason: '<os> without an id' };
  const shortIds = os
    .elements('short-id')
    .map((e) => e.node.textContent?.trim() ?? '')
    .filter(Boolean);
  const name = untranslated(os, 'name');
  if (shortIds.length === 0 || !name) return { file, reason: `${id}: no short-id or no name` };
  const status = untranslated(os, 'release-status') ?? 'released';
  if (!RELEASE_STATUSES.has(status)) return { file, reason: `${id}: unknown release-status "${status}"` };
  return {
    id,
    shortId: shortIds[0]!,
    shortIds,
    name,
    vendor: untranslated(os, 'vendor'),
    family: untranslated(os, 'family'),
    distro: untranslated(os, 'distro'),
    version: untranslated(os, 'version'),
    codename: untranslated(os, 'codename'),
    releaseDate: date(os, 'release-date', id),
    eolDate: date(os, 'eol-date', id),
    releaseStatus: status as ReleaseStatus,
    derivesFrom: os.value('derives-from/@id'),
    clones: os.value('clones/@id'),
    upgrades: os.value('upgrades/@id'),
    resources: os.elements('resources').map((block) => parseResources(block, id)),
    firmware: os.elements('firmware').map((f) => parseFirmware(f, id)),
    media: os.elements('media').map((m) => ({
      arch: required(m, '@arch', id, 'media'),
      url: trimmed(m.value('url')),
      variant: m.value('variant/@id'),
      live: m.value('@live') === 'true',
    })),
    images: os.elements('image').map((i) => ({
      arch: required(i, '@arch', id, 'image'),
      format: required(i, '@format', id, 'image'),
      url: trimmed(i.value('url')),
      cloudInit: i.value('@cloud-init') === 'true',
      variant: i.value('variant/@id'),
    })),
    devices: os.elements('devices/device').map((d) => ({ id: required(d, '@id', id, 'device'), supported: d.value('@supported') !== 'false' })),
    cloudImageUsername: untranslated(os, 'cloud-image-username'),
    source: file,
  };
}

function parseResources(block: XmlNode, id: string): OsResourceBlock {
  const values = (kind: string): OsResources | undefined => {
    const node = block.element(kind);
    if (!node) return undefined;
    return {
      cpus: count(node, 'n-cpus', id),
      cpuHz: count(node, 'cpu', id),
      ramBytes: count(node, 'ram', id),
      storageBytes: count(node, 'storage', id),
    };
  };
  return {
    arch: required(block, '@arch', id, 'resources'),
    inherit: block.value('@inherit') === 'true',
    minimum: values('minimum'),
    recommended: values('recommended'),
    maximum: values('maximum'),
  };
}

function parseFirmware(node: XmlNode, id: string): OsFirmware {
  const type = required(node, '@type', id, 'firmware');
  if (type !== 'bios' && type !== 'efi') throw new Error(`${id}: unknown firmware type "${type}"`);
  const secureBoot = node.element("feature[@name='secure-boot']");
  const firmware: OsFirmware = { arch: required(node, '@arch', id, 'firmware'), type, supported: node.value('@supported') !== 'false' };
  if (secureBoot) {
    const supported = secureBoot.value('@supported') !== 'false';
    firmware.secureBoot = !supported ? 'unsupported' : secureBoot.value('@required') === 'true' ? 'required' : 'supported';
  }
  return firmware;
}

/** The text of the element without xml:lang (the English original; translations carry xml:lang). */
function untranslated(node: XmlNode, name: string): string | undefined {
  return trimmed(node.value(`${name}[not(@*[local-name()='lang'])]`));
}

function trimmed(value: string | undefined): string | undefined {
  const t = value?.trim();
  return t ? t : undefined;
}

function required(node: XmlNode, path: string, id: string, what: string): string {
  const value = trimmed(node.value(path));
  if (!value) throw new Error(`${id}: <${what}> without ${path}`);
  return value;
}

function count(node: XmlNode, name: string, id: string): number | undefined {
  const text = trimmed(node.value(name));
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${id}: <${name}> is not a non-negative integer: "${text}"`);
  return value;
}

function date(node: XmlNode, name: string, id: string): string | undefined {
  const text = untranslated(node, name);
  if (text !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(text)) throw new Error(`${id}: <${name}> is not a YYYY-MM-DD date: "${text}"`);
  return text;
}

function compareReleases(a: OsEntry, b: OsEntry): number {
  return compareVersions(a.version, b.version) || (a.releaseDate ?? '').localeCompare(b.releaseDate ?? '');
}

/** Numeric-aware version order ("9" < "10", "22.04" < "22.10"); missing versions first. */
export function compareVersions(a: string | undefined, b: string | undefined): number {
  return (a ?? '').localeCompare(b ?? '', 'en', { numeric: true });
}

async function xmlFilesUnder(dir: string): Promise<string[]> {
  const found = await readdir(dir, { recursive: true, withFileTypes: true });
  return found
    .filter((e) => e.isFile() && e.name.endsWith('.xml'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}
