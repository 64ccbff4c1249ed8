/**
 * The `app://` scheme that serves the built renderer. Registered as privileged before `ready` (Electron
 * only accepts that then), handled once the app is ready.
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { net, protocol } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../server/TandemServer';
import { createLogger } from '../core/logging';
import { APP_SCHEME, resolveAppRequest } from './appUrl';

const log = createLogger('electron');

/**
 * standard: relative URLs and `self` resolve like http; secure: treated as a secure context (no mixed
 * content downgrade); supportFetchAPI: the renderer's own fetch() of its assets works. Nothing else
 * (no bypassCSP, no service workers, no CORS grant).
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/**
 * The same headers browser mode sends (TandemServer). They are set here on every response as well as by
 * the session's onHeadersReceived hook, because webRequest hooks are not guaranteed to see responses of a
 * protocol.handle handler; the policy must not depend on that.
 */
function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
}

export function handleAppProtocol(rendererDir: string): () => void {
  protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response(null, { status: 405, headers: { Allow: 'GET, HEAD', ...securityHeaders() } });
    }
    const target = resolveAppRequest(rendererDir, request.url);
    if (target.kind === 'refused') {
      log.warn(`app:// refused ${request.url} (${target.status})`);
      return new Response(null, { status: target.status, headers: securityHeaders() });
    }
    const info = await stat(target.path).catch(() => undefined);
    if (!info?.isFile()) {
      const notBuilt = target.path === join(resolve(rendererDir), 'index.html');
      return new Response(notBuilt ? 'The renderer is not built. Run: npm run build:renderer\n' : null, {
        status: notBuilt ? 503 : 404,
        headers: { 'Content-Type': 'text/plain; charset=utf-8', ...securityHeaders() },
      });
    }
    // net.fetch of the file:// URL gives Chromium's MIME type for the extension; we only add our headers.
    const response = await net.fetch(pathToFileURL(target.path).toString());
    const headers = new Headers(response.headers);
    for (const [name, value] of Object.entries(securityHeaders())) headers.set(name, value);
    return new Response(response.body, { status: response.status, headers });
  });
  return () => protocol.unhandle(APP_SCHEME);
}
