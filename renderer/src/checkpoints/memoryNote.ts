/** How a checkpoint's memory state is stored, for its row in the tree ('' for a disk-only one). */
import type { CheckpointInfo } from '../../../preload/api/checkpoints';
import { formatBytes } from '../format';

export function memoryNote(checkpoint: Pick<CheckpointInfo, 'kind' | 'memoryBaseId' | 'memoryFullBytes'>, nameOf: (id: string) => string): string {
  if (checkpoint.kind !== 'memory' || checkpoint.memoryFullBytes === undefined) return '';
  const full = formatBytes(checkpoint.memoryFullBytes);
  return checkpoint.memoryBaseId ? `memory encrypted, stored as changes since “${nameOf(checkpoint.memoryBaseId)}” (of ${full})` : `memory encrypted, stored whole (${full})`;
}
