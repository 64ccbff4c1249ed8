/**
 * Alerts in the window: a badge with the count that opens the list (each alert dismissable), and the
 * notifier that shows each newly raised alert once. In Electron, main shows desktop notifications itself;
 * in browser mode the page uses the web Notification API when the user allowed it, else a toast.
 */
import { useEffect, useState } from 'react';
import type { Alert } from '../../../preload/contract';
import { useAlerts, useConnection, useStores } from '../stores/StoresContext';
import './monitoring.css';

const webNotifications = (): typeof Notification | undefined => (typeof Notification === 'undefined' ? undefined : Notification);

export function AlertsBadge() {
  const count = useAlerts((state) => state.alerts.length);
  const [open, setOpen] = useState(false);
  return (
    <div className="alerts-anchor">
      <button
        type="button"
        className="btn btn-small alerts-toggle"
        data-testid="alerts-badge"
        data-count={count}
        aria-expanded={open}
        aria-label={`${count} alert${count === 1 ? '' : 's'}`}
        title="Alerts"
        onClick={() => setOpen(!open)}
      >
        Alerts {count > 0 && <span className="alerts-count">{count}</span>}
      </button>
      {open && <AlertsPanel />}
    </div>
  );
}

export function AlertsPanel() {
  const { alerts: store } = useStores();
  const alerts = useAlerts((state) => state.alerts);
  const [permission, setPermission] = useState(() => webNotifications()?.permission ?? 'denied');
  const mode = useConnection((state) => state.info?.mode);
  return (
    <div className="alerts-panel" data-testid="alerts-panel" role="region" aria-label="Alerts">
      {alerts.length === 0 && <p className="muted">No alerts.</p>}
      {alerts.map((alert) => (
        <div key={alert.id} className="alert-item" data-severity={alert.severity} data-testid={`alert-${alert.kind}`}>
          <span className="alert-title">{alert.title}</span>
          <button type="button" className="btn btn-small" onClick={() => void store.getState().dismiss(alert.id)}>
            Dismiss
          </button>
          <span className="alert-message">{alert.message}</span>
        </div>
      ))}
      {mode === 'browser' && permission === 'default' && (
        <button
          type="button"
          className="btn btn-small"
          onClick={() => void webNotifications()?.requestPermission().then(setPermission)}
        >
          Notify on the desktop
        </button>
      )}
    </div>
  );
}

/** Mount once per window. */
export function AlertNotifier() {
  const { alerts, toasts } = useStores();
  const mode = useConnection((state) => state.info?.mode);
  useEffect(() => {
    if (!mode || mode === 'electron') return undefined;
    return alerts.onRaised((raised: Alert[]) => {
      const api = webNotifications();
      for (const alert of raised) {
        if (api?.permission === 'granted') new api(alert.title, { body: alert.message, tag: alert.id });
        else toasts.getState().push({ title: alert.title, message: alert.message, code: `alert.${alert.kind}` });
      }
    });
  }, [alerts, toasts, mode]);
  return null;
}
