/**
 * Formatting helpers shared by the renderer's components: sizes, VM states, host statuses.
 * Pure functions, so they are unit-tested in plain Node.
 */
import type { HostStatus, VmState } from '../../preload/contract';

const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/**
 * Formats a byte count with binary units: 536870912 -> "512 MiB", 2147483648 -> "2 GiB", 1610612736 ->
 * "1.5 GiB". Whole numbers are shown without decimals; others with at most one (two below 10).
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BINARY_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${formatNumber(value)} ${BINARY_UNITS[unit]}`;
}

/** Memory asked for in MiB: whole GiB shown as GiB (2048 -> "2 GiB"), anything else in MiB (1536 -> "1536 MiB"). */
export function formatMiB(mib: number): string {
  return mib % 1024 === 0 ? `${mib / 1024} GiB` : `${mib} MiB`;
}

/** libvirt reports memory in KiB. */
export function formatKiB(kib: number): string {
  if (!Number.isFinite(kib) || kib < 0) return '—';
  return formatBytes(kib * 1024);
}

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const digits = value < 10 ? 2 : 1;
  // Trim trailing zeros: 1.50 -> 1.5, 2.00 -> 2.
  return String(Number(value.toFixed(digits)));
}

const VM_STATE_LABELS: Record<VmState, string> = {
  nostate: 'No state',
  running: 'Running',
  blocked: 'Blocked',
  paused: 'Paused',
  shutdown: 'Shutting down',
  shutoff: 'Shut off',
  crashed: 'Crashed',
  pmsuspended: 'Suspended (PM)',
};

export function vmStateLabel(state: VmState): string {
  return VM_STATE_LABELS[state];
}

/** The colour family of a state badge; CSS maps each tone to a colour. */
export type StateTone = 'ok' | 'warn' | 'off' | 'bad' | 'busy';

const VM_STATE_TONES: Record<VmState, StateTone> = {
  nostate: 'off',
  running: 'ok',
  blocked: 'ok',
  paused: 'warn',
  shutdown: 'busy',
  shutoff: 'off',
  crashed: 'bad',
  pmsuspended: 'warn',
};

export function vmStateTone(state: VmState): StateTone {
  return VM_STATE_TONES[state];
}

/** A VM counts as "running" for the sidebar counts when its guest is up (including blocked on I/O). */
export function isVmActive(state: VmState): boolean {
  return state === 'running' || state === 'blocked';
}

const HOST_STATUS_LABELS: Record<HostStatus, string> = {
  connecting: 'Connecting',
  connected: 'Connected',
  unreachable: 'Unreachable',
  'auth-failed': 'Authentication failed',
  disconnected: 'Disconnected',
};

export function hostStatusLabel(status: HostStatus): string {
  return HOST_STATUS_LABELS[status];
}

/** "user" -> "User", "from snapshot" stays readable; libvirt's reason names are lowercase words. */
export function formatStateReason(reason: string): string {
  const text = reason.replace(/[_-]+/g, ' ').trim();
  if (!text || text === 'unknown') return '';
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function formatYesNo(value: boolean): string {
  return value ? 'Yes' : 'No';
}
