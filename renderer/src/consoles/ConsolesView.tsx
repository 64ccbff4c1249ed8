/**
 * The consoles view: a tab per open console (serial or VNC, any VM, any host). Every tab's pane stays
 * mounted while the view or another tab is shown, so switching never drops a console.
 */
import { useConsoles, useStores } from '../stores/StoresContext';
import { consoleTabTitle, type ConsoleTab } from '../stores/consolesStore';
import { SerialTerminal } from './SerialTerminal';
import { VncScreen } from './VncScreen';
import './consoles.css';

export default function ConsolesView() {
  const { consoles } = useStores();
  const tabs = useConsoles((s) => s.tabs);
  const activeTabId = useConsoles((s) => s.activeTabId);
  const visible = useConsoles((s) => s.visible);
  const busy = useConsoles((s) => s.busy);
  if (tabs.length === 0 && !busy) return null;

  return (
    <section className="consoles" hidden={!visible} aria-label="Consoles" data-testid="consoles-view">
      <div className="console-tabs" role="tablist" aria-label="Open consoles">
        {tabs.map((tab) => (
          <div key={tab.tabId} role="presentation" className={tab.tabId === activeTabId ? 'console-tab active' : 'console-tab'}>
            <button
              type="button"
              role="tab"
              id={`${tab.tabId}-tab`}
              aria-selected={tab.tabId === activeTabId}
              aria-controls={`${tab.tabId}-panel`}
              data-testid="console-tab"
              data-status={tab.status}
              onClick={() => consoles.getState().activate(tab.tabId)}
            >
              <span className={`console-dot console-dot-${tab.status}`} aria-hidden="true" />
              {consoleTabTitle(tab)}
            </button>
            <button
              type="button"
              className="icon-btn"
              aria-label={`Close ${consoleTabTitle(tab)}`}
              data-testid="console-tab-close"
              onClick={() => void consoles.getState().closeTab(tab.tabId)}
            >
              ×
            </button>
          </div>
        ))}
      </div>
      {busy && (
        <div className="console-busy" role="alertdialog" aria-label="Console in use" data-testid="console-busy">
          <p>{busy.message}</p>
          <button type="button" className="btn btn-danger" onClick={() => void consoles.getState().open(busy.vm, 'serial', { force: true })}>
            Take over
          </button>
          <button type="button" className="btn" onClick={() => consoles.getState().dismissBusy()}>
            Cancel
          </button>
        </div>
      )}
      {tabs.map((tab) => (
        <div
          key={tab.tabId}
          className="console-panel"
          role="tabpanel"
          id={`${tab.tabId}-panel`}
          aria-labelledby={`${tab.tabId}-tab`}
          hidden={tab.tabId !== activeTabId}
          data-testid="console-panel"
          data-kind={tab.kind}
        >
          <ConsolePane tab={tab} active={visible && tab.tabId === activeTabId} />
        </div>
      ))}
    </section>
  );
}

function ConsolePane({ tab, active }: { tab: ConsoleTab; active: boolean }) {
  const { consoles } = useStores();
  const consoleId = tab.consoleId;
  const onClosed = (message: string) => {
    if (consoleId) consoles.getState().channelClosed(tab.tabId, consoleId, message);
  };
  return (
    <>
      {tab.status === 'opening' && (
        <p className="console-note" role="status">
          Opening the console…
        </p>
      )}
      {tab.status === 'closed' && (
        <p className="console-note console-closed" role="status" data-testid="console-closed">
          {tab.closedMessage ?? 'The console is closed.'}{' '}
          {tab.movedTo ? (
            <button
              type="button"
              className="btn btn-small"
              data-testid="console-open-moved"
              onClick={() => void consoles.getState().openWhereMoved(tab.tabId)}
            >
              Open on {tab.movedTo.hostName}
            </button>
          ) : (
            <button type="button" className="btn btn-small" onClick={() => void consoles.getState().reconnect(tab.tabId)}>
              Reconnect
            </button>
          )}
        </p>
      )}
      {tab.ticket &&
        (tab.kind === 'serial' ? (
          <SerialTerminal key={tab.ticket} ticket={tab.ticket} active={active} onClosed={onClosed} />
        ) : (
          <VncScreen key={tab.ticket} ticket={tab.ticket} active={active} onClosed={onClosed} />
        ))}
    </>
  );
}
