/**
 * Picks the transport to main once, at startup:
 * - Electron: preload exposes a TandemBridge as `window.tandem`; it is the transport.
 * - Browser mode: a WebSocket to the server that served this page, `ws://<host>/api?token=<token>`. The
 *   token comes from the URL `npm start` printed (`?token=...`); it is then kept in sessionStorage, so a
 *   reload works, and removed from the visible URL (and from history).
 * Without either, there is nothing to talk to: the caller shows how to open the right URL.
 */
import { createContractClient, createWebSocketTransport, type TandemBridge } from '../../preload/client';
import type { ContractClient } from '../../preload/contract';

export const TOKEN_STORAGE_KEY = 'tandem.token';

declare global {
  interface Window {
    /** Exposed by preload/index.ts in Electron. */
    tandem?: TandemBridge;
  }
}

export type ContractConnection =
  | { kind: 'ready'; mode: 'electron' | 'browser'; client: ContractClient; onClose(listener: () => void): void }
  | { kind: 'no-token' };

interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/**
 * Reads the access token: from the query string if present (then stored), else from storage. Returns the
 * token and the query string without it (null when the URL needs no rewriting).
 */
export function takeToken(search: string, storage: StorageLike): { token: string | null; cleanedSearch: string | null } {
  const params = new URLSearchParams(search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    storage.setItem(TOKEN_STORAGE_KEY, fromUrl);
    params.delete('token');
    const rest = params.toString();
    return { token: fromUrl, cleanedSearch: rest ? `?${rest}` : '' };
  }
  return { token: storage.getItem(TOKEN_STORAGE_KEY), cleanedSearch: params.has('token') ? '' : null };
}

/** The WebSocket URL of the API, on the server that served the page. */
export function apiSocketUrl(host: string, token: string): string {
  return `ws://${host}/api?token=${encodeURIComponent(token)}`;
}

export function connectContract(): ContractConnection {
  const bridge = window.tandem;
  if (bridge) {
    // IPC never "closes" while the window lives.
    return { kind: 'ready', mode: 'electron', client: createContractClient(bridge), onClose: () => undefined };
  }

  const { token, cleanedSearch } = takeToken(window.location.search, window.sessionStorage);
  if (cleanedSearch !== null) {
    const url = `${window.location.pathname}${cleanedSearch}${window.location.hash}`;
    window.history.replaceState(window.history.state, '', url);
  }
  if (!token) return { kind: 'no-token' };

  const socket = new WebSocket(apiSocketUrl(window.location.host, token));
  const transport = createWebSocketTransport(socket);
  return {
    kind: 'ready',
    mode: 'browser',
    client: createContractClient(transport),
    onClose(listener) {
      socket.addEventListener('close', () => listener());
    },
  };
}
