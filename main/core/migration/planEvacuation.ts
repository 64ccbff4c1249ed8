/**
 * Where each VM of an evacuated host goes. The rule: the biggest VMs (memory) are placed first, each on the
 * candidate host with the most free memory left after the VMs already placed there in this plan, provided
 * the migration check passes for that host; otherwise the next host by free memory is tried. A VM no host
 * accepts is not moved, with the blockers each host gave.
 */
import type { VmSummary } from '../../../preload/contract';
import type { MigrationCheck } from './migrationTypes';

export interface EvacuationCandidate {
  hostId: string;
  name: string;
  freeBytes: number;
}

export interface EvacuationPlanEntry {
  uuid: string;
  name: string;
  memoryKiB: number;
  destinationHostId?: string;
  /** Why no host takes it. */
  reason?: string;
}

export async function planEvacuation(
  vms: VmSummary[],
  candidates: EvacuationCandidate[],
  check: (vm: VmSummary, destinationHostId: string) => Promise<MigrationCheck>,
): Promise<EvacuationPlanEntry[]> {
  const freeLeft = new Map(candidates.map((c) => [c.hostId, c.freeBytes]));
  const plan: EvacuationPlanEntry[] = [];
  const biggestFirst = [...vms].sort((a, b) => b.memoryKiB - a.memoryKiB || a.name.localeCompare(b.name));
  for (const vm of biggestFirst) {
    const byFreeMemory = [...candidates].sort((a, b) => freeLeft.get(b.hostId)! - freeLeft.get(a.hostId)! || a.hostId.localeCompare(b.hostId));
    const refusals: string[] = [];
    let destination: EvacuationCandidate | undefined;
    for (const candidate of byFreeMemory) {
      const needBytes = vm.memoryKiB * 1024;
      if (freeLeft.get(candidate.hostId)! < needBytes) {
        refusals.push(`${candidate.name} has too little free memory left for it`);
        continue;
      }
      const result = await check(vm, candidate.hostId);
      if (result.ok) {
        destination = candidate;
        freeLeft.set(candidate.hostId, freeLeft.get(candidate.hostId)! - needBytes);
        break;
      }
      refusals.push(`${candidate.name}: ${result.blockers.map((b) => b.message).join(' ')}`);
    }
    plan.push({
      uuid: vm.uuid,
      name: vm.name,
      memoryKiB: vm.memoryKiB,
      ...(destination ? { destinationHostId: destination.hostId } : { reason: refusals.join(' / ') || 'no host to move it to' }),
    });
  }
  return plan;
}
