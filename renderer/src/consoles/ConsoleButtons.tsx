/** "Serial console" and "Graphical console" for the VM detail panel; usable while the VM runs. */
import type { VmSummary } from '../../../preload/contract';
import { useStores, useVms } from '../stores/StoresContext';
import { vmKey } from '../stores/vmsStore';

const LIVE_STATES = new Set(['running', 'blocked', 'paused']);

export function ConsoleButtons({ vm }: { vm: VmSummary }) {
  const { consoles } = useStores();
  const graphics = useVms((s) => (s.detail?.key === vmKey(vm) ? s.detail.data?.graphics : undefined));
  const live = LIVE_STATES.has(vm.state);
  const hasVnc = graphics === undefined || graphics.some((g) => g.type === 'vnc');
  const why = live ? undefined : 'Start the VM to open its console';
  return (
    <div className="vm-actions" aria-label="Consoles">
      <button type="button" className="btn" data-testid="open-serial-console" disabled={!live} title={why} onClick={() => void consoles.getState().open(vm, 'serial')}>
        Serial console
      </button>
      <button
        type="button"
        className="btn"
        data-testid="open-vnc-console"
        disabled={!live || !hasVnc}
        title={hasVnc ? why : 'This VM has no VNC graphics'}
        onClick={() => void consoles.getState().open(vm, 'vnc')}
      >
        Graphical console
      </button>
    </div>
  );
}
