/** Sidebar entry switching between the VM table and the consoles view. */
import { useConsoles, useStores } from '../stores/StoresContext';
import './consolesNav.css';

export function ConsolesNav() {
  const { consoles } = useStores();
  const count = useConsoles((s) => s.tabs.length);
  const visible = useConsoles((s) => s.visible);
  return (
    <div className="consoles-nav">
      <button type="button" className={visible ? 'nav-item' : 'nav-item active'} aria-current={!visible} onClick={() => consoles.getState().show(false)}>
        Virtual machines
      </button>
      <button
        type="button"
        className={visible ? 'nav-item active' : 'nav-item'}
        aria-current={visible}
        data-testid="nav-consoles"
        disabled={count === 0}
        onClick={() => consoles.getState().show(true)}
      >
        Consoles{count > 0 && <span className="nav-count">{count}</span>}
      </button>
    </div>
  );
}
