/**
 * The wizard's "Install from ISO" choice, as plain functions (the picker, InstallMediaPicker.tsx, is their
 * view): what each listed ISO is called, which request medium it becomes, and which listed entry a request's
 * medium is. The choice "any" leaves the medium out: the best match then takes an installer ISO of the OS
 * that a host stores, identified by its file name, and names it in its proposal.
 */
import type { InstallMedia, InstallMediaEntry } from '../../../preload/api/provisioning';
import { formatBytes } from '../format';

/** The picker's options besides the listed ISOs: "any", "a path I type", and a named volume no host listed. */
export const ANY_CHOICE = '';
export const PATH_CHOICE = 'path';
export const UNLISTED_CHOICE = 'unlisted';

/** Stable per host and file: the select's option value. */
export function entryKey(entry: InstallMediaEntry): string {
  return `${entry.hostId}\u0000${entry.path}`;
}

/** "debian-12.5.0-amd64-netinst.iso on server (pool default, 628 MiB, Debian 12)". */
export function entryLabel(entry: InstallMediaEntry): string {
  const where = entry.pool ? `pool ${entry.pool}, ` : '';
  return `${entry.volume ?? entry.path} on ${entry.hostName} (${where}${formatBytes(entry.sizeBytes)}${entry.osName ? `, ${entry.osName}` : ''})`;
}

/** The medium a request names for a listed ISO: its pool volume (any host storing that volume can take it). */
export function mediaOfEntry(entry: InstallMediaEntry): InstallMedia {
  return entry.pool !== undefined && entry.volume !== undefined
    ? { kind: 'volume', pool: entry.pool, volume: entry.volume }
    : { kind: 'path', path: entry.path };
}

/**
 * Which option shows for the request's medium: the listed entry it names, the path field, a volume no
 * connected host listed (a template's, say: kept, and shown as such), or "any".
 */
export function choiceOf(media: InstallMedia | undefined, entries: readonly InstallMediaEntry[]): string {
  if (!media) return ANY_CHOICE;
  const listed = entries.find((e) => sameMedia(mediaOfEntry(e), media));
  if (listed) return entryKey(listed);
  return media.kind === 'path' ? PATH_CHOICE : UNLISTED_CHOICE;
}

export function sameMedia(a: InstallMedia, b: InstallMedia): boolean {
  if (a.kind === 'volume') return b.kind === 'volume' && a.pool === b.pool && a.volume === b.volume;
  return b.kind === 'path' && a.path === b.path;
}

/** "isos/debian.iso", "/srv/debian.iso": how the review names the medium. */
export function mediaText(media: InstallMedia): string {
  return media.kind === 'volume' ? `${media.pool}/${media.volume}` : media.path;
}
