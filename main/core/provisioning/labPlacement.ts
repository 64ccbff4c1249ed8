/**
 * Placement of a lab: its VMs share a private network, which lives on one host, so the lab goes to ONE host.
 * Each connected host is matched VM after VM (bestMatch.ts, same rules and headroom as a single VM), the
 * memory and pool space of the VMs already matched being taken off what the host offers the next one, so a
 * host that can take each VM alone but not all of them together shows it (a later VM gets cut, or the host is
 * refused). The winner has the smallest total distance, then the most memory left after the lab, then the
 * name. A gateway's uplink network must be active on the host. The choice is explained in words; an override
 * onto a host that can't take the lab is refused with its reasons, as for one VM.
 */
import { InvalidInputError, NotFoundError, TandemError } from '../errors';
import type { HostOffer } from './HostOffer';
import { bestMatch, type MatchOptions, type MatchProposal, type MatchRefusal } from './bestMatch';
import type { OsDatabase } from './osinfo/OsDatabase';
import type { PlacementCandidate } from './placement';
import type { VmRequest } from './schemas';
import { formatBytes, GiB, MiB, plural } from './units';

export interface LabVm {
  name: string;
  request: VmRequest;
}

/** One host's plan for the whole lab: the configuration of each VM there, in the lab's order. */
export interface LabHostPlan {
  hostId: string;
  hostName: string;
  vms: Array<{ name: string; proposal: MatchProposal }>;
  distance: number;
  changes: number;
  /** Host memory still free once every VM of the lab runs. */
  memoryLeftBytes: number;
}

export interface LabPlacementDecision {
  chosen: LabHostPlan;
  overridden: boolean;
  explanation: string;
  alternatives: LabHostPlan[];
  refusals: MatchRefusal[];
}

export type LabPlacementOutcome = { placed: LabPlacementDecision } | { placed: undefined; refusals: MatchRefusal[]; explanation: string };

export interface LabPlacementOptions extends MatchOptions {
  overrideHostId?: string;
  /** The network the gateway VM's first NIC joins (e.g. "default"). */
  uplink?: string;
}

export function placeLab(vms: readonly LabVm[], candidates: readonly PlacementCandidate[], db: OsDatabase, options: LabPlacementOptions = {}): LabPlacementOutcome {
  const plans: LabHostPlan[] = [];
  const refusals: MatchRefusal[] = [];
  for (const candidate of candidates) {
    if (candidate.state !== 'connected') {
      refusals.push({ hostId: candidate.hostId, hostName: candidate.hostName, reasons: [`not connected (${candidate.reason})`] });
      continue;
    }
    const outcome = planHost(vms, candidate.offer, db, options);
    if ('reasons' in outcome) refusals.push(outcome);
    else plans.push(outcome);
  }
  plans.sort((a, b) => a.distance - b.distance || b.memoryLeftBytes - a.memoryLeftBytes || a.hostName.localeCompare(b.hostName) || a.hostId.localeCompare(b.hostId));

  if (options.overrideHostId !== undefined) return { placed: override(options.overrideHostId, candidates, plans, refusals, vms.length) };
  const [chosen, ...alternatives] = plans;
  if (!chosen) {
    const explanation =
      refusals.length === 0
        ? 'No host is known: add a host first.'
        : `No connected host can run this lab. ${refusals.map((r) => `${r.hostName}: ${r.reasons.join('; ')}.`).join(' ')}`;
    return { placed: undefined, refusals, explanation };
  }
  const parts = [`${chosen.hostName}: ${summary(chosen, vms.length)}.`];
  const next = alternatives[0];
  if (next) {
    const why = next.distance > chosen.distance ? `it would need ${plural(next.changes, 'change')}` : `an equal match, with ${formatBytes(next.memoryLeftBytes)} of memory left`;
    parts.push(`Next best: ${next.hostName} (${why}).`);
  }
  if (refusals.length > 0) parts.push(`${plural(refusals.length, 'host')} can't run it: ${refusals.map((r) => r.hostName).join(', ')}.`);
  return { placed: { chosen, overridden: false, explanation: parts.join(' '), alternatives, refusals } };
}

/** Every VM matched on what the host has left after the VMs before it; refused with each VM's reasons. */
function planHost(vms: readonly LabVm[], host: HostOffer, db: OsDatabase, options: MatchOptions & { uplink?: string }): LabHostPlan | MatchRefusal {
  const reasons: string[] = [];
  if (options.uplink && !host.networks.some((n) => n.name === options.uplink && n.active)) {
    reasons.push(`has no active network "${options.uplink}" for the gateway's uplink`);
  }
  let offer = host;
  const planned: LabHostPlan['vms'] = [];
  for (const [i, vm] of vms.entries()) {
    let result;
    try {
      result = bestMatch(vm.request, [offer], db, options);
    } catch (error) {
      // A request refused as such (unknown OS, bad field) is the lab's error at that VM's field, not the host's.
      if (error instanceof TandemError && typeof error.details?.field === 'string') {
        (error.details as Record<string, unknown>).field = `vms.${i}.request.${error.details.field}`;
      }
      throw error;
    }
    const proposal = result.proposals[0];
    if (!proposal) {
      reasons.push(...(result.refusals[0]?.reasons ?? ['cannot run it']).map((r) => `${vm.name}: ${r}`));
      continue;
    }
    planned.push({ name: vm.name, proposal });
    offer = withoutVm(offer, proposal.config);
  }
  if (reasons.length > 0) return { hostId: host.hostId, hostName: host.hostName, reasons };
  return {
    hostId: host.hostId,
    hostName: host.hostName,
    vms: planned,
    distance: planned.reduce((sum, vm) => sum + vm.proposal.distance, 0),
    changes: planned.reduce((sum, vm) => sum + vm.proposal.changes.length, 0),
    memoryLeftBytes: offer.freeMemoryBytes,
  };
}

/** What the host offers the next VM once this one has its memory and disks. */
function withoutVm(offer: HostOffer, config: VmRequest): HostOffer {
  const used = new Map<string, number>();
  for (const disk of config.hardware.disks) if (disk.pool) used.set(disk.pool, (used.get(disk.pool) ?? 0) + disk.sizeGiB * GiB);
  return {
    ...offer,
    freeMemoryBytes: offer.freeMemoryBytes - config.hardware.memoryMiB * MiB,
    pools: offer.pools.map((p) => (used.has(p.name) ? { ...p, freeBytes: p.freeBytes - used.get(p.name)! } : p)),
  };
}

function override(hostId: string, candidates: readonly PlacementCandidate[], plans: LabHostPlan[], refusals: MatchRefusal[], count: number): LabPlacementDecision {
  const known = candidates.some((c) => (c.state === 'connected' ? c.offer.hostId : c.hostId) === hostId);
  if (!known) throw new NotFoundError('placement.unknown-host', `There is no host "${hostId}"`, { details: { field: 'hostId' } });
  const refusal = refusals.find((r) => r.hostId === hostId);
  if (refusal) {
    throw new InvalidInputError('placement.override-refused', `${refusal.hostName} can't run this lab: ${refusal.reasons.join('; ')}`, {
      details: { field: 'hostId', reasons: refusal.reasons },
    });
  }
  const chosen = plans.find((p) => p.hostId === hostId)!;
  const best = plans[0]!;
  let explanation = `${chosen.hostName}, as you chose: ${summary(chosen, count)}.`;
  if (best !== chosen && best.distance < chosen.distance) explanation += ` Tandem would pick ${best.hostName} (${summary(best, count)}).`;
  return { chosen, overridden: true, explanation, alternatives: plans.filter((p) => p !== chosen), refusals };
}

function summary(plan: LabHostPlan, count: number): string {
  const left = `${formatBytes(plan.memoryLeftBytes)} of memory left after them`;
  const what = plural(count, 'VM');
  if (plan.changes === 0) return `takes the ${what} exactly as asked, ${left}`;
  const changed = plan.vms.filter((v) => v.proposal.changes.length > 0).map((v) => `${v.name}: ${v.proposal.changes.map((c) => c.text).join('; ')}`);
  return `takes the ${what} with ${plural(plan.changes, 'change')} (${changed.join(' | ')}), ${left}`;
}
