/**
 * Placement: which host a new VM goes to. Only connected hosts are candidates; each is matched
 * (bestMatch.ts), and the winner is the closest configuration to the request; between equals, the host with
 * the most memory left after the VM (headroom rule and ranking: see bestMatch.ts). The choice is explained in
 * words. The user may override it; an override onto a host that can't take the VM is refused with its reasons.
 */
import { InvalidInputError, NotFoundError } from '../errors';
import type { HostOffer } from './HostOffer';
import { bestMatch, type MatchProposal, type MatchRefusal } from './bestMatch';
import type { OsDatabase } from './osinfo/OsDatabase';
import type { VmRequest, VmRequestInput } from './schemas';
import { formatBytes, plural } from './units';

export type PlacementCandidate =
  | { state: 'connected'; offer: HostOffer }
  /**
   * A known host that cannot be matched now; `reason` says why, whole ("not connected (unreachable: connection
   * refused)", "its offer could not be read: ...").
   */
  | { state: 'unavailable'; hostId: string; hostName: string; reason: string };

export interface PlacementDecision {
  chosen: MatchProposal;
  /** The user picked the host (and it can take the VM). */
  overridden: boolean;
  explanation: string;
  /** The other hosts that could take it, best first. */
  alternatives: MatchProposal[];
  refusals: MatchRefusal[];
}

export type PlacementOutcome = { placed: PlacementDecision } | { placed: undefined; refusals: MatchRefusal[]; explanation: string };

export function placeVm(
  request: VmRequestInput | VmRequest,
  candidates: readonly PlacementCandidate[],
  db: OsDatabase,
  options: { overrideHostId?: string } = {},
): PlacementOutcome {
  const connected = candidates.flatMap((c) => (c.state === 'connected' ? [c.offer] : []));
  const unavailable: MatchRefusal[] = candidates.flatMap((c) =>
    c.state === 'unavailable' ? [{ hostId: c.hostId, hostName: c.hostName, reasons: [c.reason] }] : [],
  );
  const { proposals, refusals: matchRefusals } = bestMatch(request, connected, db);
  const refusals = [...matchRefusals, ...unavailable];

  if (options.overrideHostId !== undefined) return { placed: override(options.overrideHostId, candidates, proposals, refusals) };

  const [chosen, ...alternatives] = proposals;
  if (!chosen) {
    const explanation =
      refusals.length === 0
        ? 'No host is known: add a host first.'
        : `No connected host can run this VM. ${refusals.map((r) => `${r.hostName}: ${r.reasons.join('; ')}.`).join(' ')}`;
    return { placed: undefined, refusals, explanation };
  }
  return { placed: { chosen, overridden: false, explanation: explainChoice(chosen, alternatives, refusals), alternatives, refusals } };
}

function override(
  hostId: string,
  candidates: readonly PlacementCandidate[],
  proposals: MatchProposal[],
  refusals: MatchRefusal[],
): PlacementDecision {
  const known = candidates.some((c) => (c.state === 'connected' ? c.offer.hostId : c.hostId) === hostId);
  if (!known) throw new NotFoundError('placement.unknown-host', `There is no host "${hostId}"`, { details: { field: 'hostId' } });
  const refusal = refusals.find((r) => r.hostId === hostId);
  if (refusal) {
    throw new InvalidInputError('placement.override-refused', `${refusal.hostName} can't run this VM: ${refusal.reasons.join('; ')}`, {
      details: { field: 'hostId', reasons: refusal.reasons },
    });
  }
  const chosen = proposals.find((p) => p.hostId === hostId)!;
  const best = proposals[0]!;
  const alternatives = proposals.filter((p) => p !== chosen);
  let explanation = `${chosen.hostName}, as you chose: ${summary(chosen)}.`;
  if (best !== chosen && best.distance < chosen.distance) explanation += ` Tandem would pick ${best.hostName} (${summary(best)}).`;
  return { chosen, overridden: true, explanation, alternatives, refusals };
}

function explainChoice(chosen: MatchProposal, alternatives: MatchProposal[], refusals: MatchRefusal[]): string {
  const parts = [`${chosen.hostName}: ${summary(chosen)}.`];
  const next = alternatives[0];
  if (next) {
    const why =
      next.distance > chosen.distance
        ? `it would need ${next.changes.length === chosen.changes.length ? 'bigger changes' : plural(next.changes.length, 'change')}`
        : `an equal match, with ${formatBytes(next.memoryLeftBytes)} of memory left`;
    parts.push(`Next best: ${next.hostName} (${why}).`);
  }
  if (refusals.length > 0) parts.push(`${plural(refusals.length, 'host')} can't run it: ${refusals.map((r) => r.hostName).join(', ')}.`);
  return parts.join(' ');
}

function summary(p: MatchProposal): string {
  const left = `${formatBytes(p.memoryLeftBytes)} of memory left after it`;
  if (p.changes.length === 0) return `takes the VM exactly as asked, ${left}`;
  return `the closest match, with ${plural(p.changes.length, 'change')} (${p.changes.map((c) => c.text).join('; ')}), ${left}`;
}
