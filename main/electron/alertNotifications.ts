/**
 * Desktop notifications for alerts: each newly raised alert (core/monitoring/AlertCenter) is shown once
 * through Electron's Notification; clicking it opens the window. Cleared alerts need no notification: the
 * tray and the window show the current list.
 */
import { Notification } from 'electron';
import type { Tandem } from '../bootstrap/createTandem';
import type { Disposable } from '../core/hosts/HostDriver';

export function notifyAlerts(tandem: Pick<Tandem, 'alerts'>, showWindow: () => void): Disposable {
  return tandem.alerts.changed.on(({ raised }) => {
    if (!Notification.isSupported()) return;
    for (const alert of raised) {
      const notification = new Notification({ title: alert.title, body: alert.message, urgency: alert.severity === 'critical' ? 'critical' : 'normal' });
      notification.on('click', showWindow);
      notification.show();
    }
  });
}
