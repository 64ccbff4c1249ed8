/**
 * The renderer's origin in Electron, `app://tandem`, and the pure rules around it: which file a request
 * maps to, and which URLs count as ours. No runtime Electron import, so all of it is testable in plain Node.
 *
 * We serve the renderer from a custom privileged scheme rather than file:// because file:// pages share
 * one opaque origin with every other local file, cannot be pinned by a CSP 'self', and make the sender
 * check in ipc.ts meaningless.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'tandem';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/** True when `url` is a page or resource of our renderer (scheme and host match exactly). */
export function isAppUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.username === '' && parsed.password === '';
}

export type AppRequestTarget =
  | { kind: 'file'; path: string }
  /** 400: unparseable; 403: outside the renderer folder; 404: not our host. */
  | { kind: 'refused'; status: 400 | 403 | 404 };

/**
 * Maps an `app://tandem/...` URL to a file under `root`, or refuses it. The path is decoded *before* it is
 * normalized, so `%2e%2e/` and `..%2f` cannot climb out of the folder; the final containment check on the
 * resolved path is what actually guarantees it.
 */
export function resolveAppRequest(root: string, url: string): AppRequestTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { kind: 'refused', status: 400 };
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return { kind: 'refused', status: 404 };
  let pathname: string;
  try {
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return { kind: 'refused', status: 400 };
  }
  if (pathname.includes('\0')) return { kind: 'refused', status: 400 };
  if (pathname === '' || pathname === '/') pathname = '/index.html';

  const base = resolve(root);
  // Leading separators are stripped so resolve() treats the rest as relative to `base`, never as absolute.
  const file = resolve(base, pathname.replace(/^[/\\]+/, ''));
  const rel = relative(base, file);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    return { kind: 'refused', status: 403 };
  }
  return { kind: 'file', path: file };
}

/** What ipc.ts knows about the frame a call came from. */
export interface SenderInfo {
  /** The call came from our window's WebContents (not another window or a webview). */
  fromOurWindow: boolean;
  /** The frame is the top-level frame (an iframe, even of our origin, may not call). */
  isMainFrame: boolean;
  /** The frame's current URL; null when the frame is gone. */
  url: string | null;
}

export function isTrustedSender(sender: SenderInfo): boolean {
  return sender.fromOurWindow && sender.isMainFrame && sender.url !== null && isAppUrl(sender.url);
}
