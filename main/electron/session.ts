/**
 * Session-wide hardening (Electron's security checklist): no permission is ever granted (Tandem needs no
 * camera, geolocation, notifications from the page...), and every response carries our CSP.
 */
import type { Session } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../server/TandemServer';

export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  // The check handler answers synchronous queries (navigator.permissions, some APIs probe before asking).
  session.setPermissionCheckHandler(() => false);

  session.webRequest.onHeadersReceived((details, callback) => {
    // Drop any CSP the response already had (header names are case-insensitive) so ours is the only one.
    const headers: Record<string, string[]> = {};
    for (const [name, value] of Object.entries(details.responseHeaders ?? {})) {
      if (name.toLowerCase() !== 'content-security-policy') headers[name] = value;
    }
    headers['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
    callback({ responseHeaders: headers });
  });
}
