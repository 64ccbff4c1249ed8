/**
 * Install media (an installer ISO) as the host holds it: what a request may name, how a host's ISO volumes are
 * recognised, and the port a driver implements to list and inspect them. Install media is host-local: a VM
 * installs from an ISO on its own host, so the best match and placement only keep hosts that have it.
 */
import type { HostIsoVolume } from './HostOffer';
import type { InstallMedia } from './schemas';

/** What a named medium is on one host. */
export type MediaInspection =
  /** Nothing there; `reason` says what is missing ("no storage pool "isos"", "no file /srv/x.iso"). */
  | { state: 'missing'; reason: string }
  /** A file or volume that is not an ISO 9660 image; `format` is what libvirt reads it as (qcow2, raw, ...). */
  | { state: 'not-iso'; format: string; path: string }
  | { state: 'iso'; iso: HostIsoVolume };

export interface InstallMediaReader {
  /** The ISO volumes of the host's active pools, the pools refreshed first (a file just copied in shows up). */
  list(hostId: string): Promise<HostIsoVolume[]>;
  /** Looks the medium up on the host: a volume of a pool, or a path (in a pool or not: a transient pool looks). */
  inspect(hostId: string, media: InstallMedia): Promise<MediaInspection>;
}

export const SEED_SUFFIX = '-seed.iso';

/** Pool types whose volumes are files libvirt reads the format of from their content (virStorageFileProbeFormat). */
const CONTENT_PROBED_POOLS: ReadonlySet<string> = new Set(['dir', 'fs', 'netfs']);

/**
 * Whether a volume is an installer ISO: where libvirt reads formats from content (file-backed pools), its
 * format is "iso" (a "fake.iso" text file reads as raw, an ISO renamed "x.img" as iso); elsewhere (LVM, iSCSI,
 * RBD: raw block devices), the name has to say so.
 */
export function isIsoVolume(volume: { name: string; format: string | undefined; poolType: string }): boolean {
  if (CONTENT_PROBED_POOLS.has(volume.poolType)) return volume.format === 'iso';
  return /\.iso$/i.test(volume.name) && (volume.format === undefined || volume.format === 'raw' || volume.format === 'iso');
}

/**
 * Disk image file names that cannot be ISOs: listing a pool skips reading their XML (one call each, which adds
 * up over a remote host's pool of many disks). Everything else (".iso", ".img", no extension) is read.
 */
export function mayBeIso(name: string): boolean {
  return !/\.(qcow2?|qed|vmdk|vdi|vhdx?|vpc|raw|luks|bochs|cloop|dmg)$/i.test(name);
}

/** The cloud-init seed ISO a deploy writes next to a VM's disks ("<vm>-seed.iso", Deployer.ts): not an installer. */
export function isDeploySeed(name: string): boolean {
  return name.endsWith(SEED_SUFFIX);
}

/** "ISO volume isos/debian.iso", "ISO /srv/debian.iso": how messages name a medium. */
export function describeMedia(media: InstallMedia): string {
  return media.kind === 'volume' ? `ISO volume ${media.pool}/${media.volume}` : `ISO ${media.path}`;
}

/** The host's ISO the medium names, among those it is known to have. */
export function findIso(isos: readonly HostIsoVolume[], media: InstallMedia): HostIsoVolume | undefined {
  return media.kind === 'volume' ? isos.find((i) => i.pool === media.pool && i.volume === media.volume) : isos.find((i) => i.path === media.path);
}

/** The medium as a request names it, for an ISO the host has: its volume when it is in a pool, else its path. */
export function mediaOf(iso: HostIsoVolume): InstallMedia {
  return iso.pool !== undefined && iso.volume !== undefined ? { kind: 'volume', pool: iso.pool, volume: iso.volume } : { kind: 'path', path: iso.path };
}
