/** libvirt's numeric domain states and reasons as the contract's names. */
import type { VmState } from '../../../preload/contract';
import {
  virDomainBlockedReason,
  virDomainCrashedReason,
  virDomainNostateReason,
  virDomainPausedReason,
  virDomainPMSuspendedReason,
  virDomainRunningReason,
  virDomainShutdownReason,
  virDomainShutoffReason,
  virDomainState,
} from '../../../native-helpers/libvirt/lib/index';

const STATE_NAMES: Record<number, VmState> = {
  [virDomainState.VIR_DOMAIN_NOSTATE]: 'nostate',
  [virDomainState.VIR_DOMAIN_RUNNING]: 'running',
  [virDomainState.VIR_DOMAIN_BLOCKED]: 'blocked',
  [virDomainState.VIR_DOMAIN_PAUSED]: 'paused',
  [virDomainState.VIR_DOMAIN_SHUTDOWN]: 'shutdown',
  [virDomainState.VIR_DOMAIN_SHUTOFF]: 'shutoff',
  [virDomainState.VIR_DOMAIN_CRASHED]: 'crashed',
  [virDomainState.VIR_DOMAIN_PMSUSPENDED]: 'pmsuspended',
};

/** Reason enum per state, with the prefix to strip from its member names. */
const REASONS: Record<number, [Record<string, number>, string]> = {
  [virDomainState.VIR_DOMAIN_NOSTATE]: [virDomainNostateReason, 'VIR_DOMAIN_NOSTATE_'],
  [virDomainState.VIR_DOMAIN_RUNNING]: [virDomainRunningReason, 'VIR_DOMAIN_RUNNING_'],
  [virDomainState.VIR_DOMAIN_BLOCKED]: [virDomainBlockedReason, 'VIR_DOMAIN_BLOCKED_'],
  [virDomainState.VIR_DOMAIN_PAUSED]: [virDomainPausedReason, 'VIR_DOMAIN_PAUSED_'],
  [virDomainState.VIR_DOMAIN_SHUTDOWN]: [virDomainShutdownReason, 'VIR_DOMAIN_SHUTDOWN_'],
  [virDomainState.VIR_DOMAIN_SHUTOFF]: [virDomainShutoffReason, 'VIR_DOMAIN_SHUTOFF_'],
  [virDomainState.VIR_DOMAIN_CRASHED]: [virDomainCrashedReason, 'VIR_DOMAIN_CRASHED_'],
  [virDomainState.VIR_DOMAIN_PMSUSPENDED]: [virDomainPMSuspendedReason, 'VIR_DOMAIN_PMSUSPENDED_'],
};

export function stateName(state: number): VmState {
  return STATE_NAMES[state] ?? 'nostate';
}

/** e.g. (RUNNING, 1) -> "booted"; (SHUTOFF, 5) -> "destroyed"; unknown -> "unknown". */
export function reasonName(state: number, reason: number): string {
  const entry = REASONS[state];
  if (!entry) return 'unknown';
  const [table, prefix] = entry;
  const name = Object.entries(table).find(([, value]) => value === reason)?.[0];
  return name ? name.slice(prefix.length).toLowerCase().replace(/_/g, '-') : 'unknown';
}
