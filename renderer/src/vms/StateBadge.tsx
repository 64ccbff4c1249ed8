import type { VmState } from '../../../preload/contract';
import { vmStateLabel, vmStateTone } from '../format';

export function StateBadge({ state }: { state: VmState }) {
  return <span className={`badge tone-${vmStateTone(state)}`}>{vmStateLabel(state)}</span>;
}
