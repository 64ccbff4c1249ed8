/**
 * The renderer's client of the contract, over either transport:
 * - IPC: the `window.tandem` bridge that preload/index.ts exposes in Electron;
 * - WebSocket: browser mode, talking to main/server.
 * Both carry the same CallResult values; this module turns a failed result back into a typed error.
 * Imports neither Node nor Electron.
 */
import {
  type CallResult,
  type ContractClient,
  type ContractError,
  type EventName,
  type EventPayload,
  type MethodInput,
  type MethodName,
  type MethodOutput,
  type ServerMessage,
  type WireCall,
} from './contract';

/** An error returned by main, re-typed on this side of the boundary. */
export class ContractCallError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  readonly libvirt: ContractError['libvirt'];
  readonly errorName: ContractError['name'];

  constructor(readonly method: string, error: ContractError) {
    super(error.message);
    this.name = `ContractCallError(${error.name})`;
    this.errorName = error.name;
    this.code = error.code;
    this.details = error.details;
    this.libvirt = error.libvirt;
  }
}

/** The minimal surface a transport offers: untyped call and event stream. */
export interface ContractTransport {
  call(method: string, args: unknown): Promise<CallResult<unknown>>;
  onEvent(listener: (event: EventName, payload: unknown) => void): () => void;
}

/** What preload exposes on `window.tandem` (Electron). Also a ContractTransport. */
export type TandemBridge = ContractTransport;

export function createContractClient(transport: ContractTransport): ContractClient {
  const handlers = new Map<EventName, Set<(payload: unknown) => void>>();
  let unsubscribeTransport: (() => void) | undefined;

  const ensureSubscribed = () => {
    unsubscribeTransport ??= transport.onEvent((event, payload) => {
      for (const handler of handlers.get(event) ?? []) handler(payload);
    });
  };

  return {
    async call<M extends MethodName>(method: M, args: MethodInput<M>): Promise<MethodOutput<M>> {
      const result = await transport.call(method, args);
      if (!result.ok) throw new ContractCallError(method, result.error);
      return result.value as MethodOutput<M>;
    },
    on<E extends EventName>(event: E, handler: (payload: EventPayload<E>) => void): () => void {
      ensureSubscribed();
      let set = handlers.get(event);
      if (!set) handlers.set(event, (set = new Set()));
      const untyped = handler as (payload: unknown) => void;
      set.add(untyped);
      return () => {
        set.delete(untyped);
      };
    },
  };
}

/** Minimal WebSocket surface we use, so this works with the browser's WebSocket and with `ws` in Node. */
export interface WebSocketLike {
  readyState: number;
  send(data: string): void;
  close(): void;
  addEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: (ev: unknown) => void): void;
}

const WS_OPEN = 1;

/**
 * A transport over one WebSocket. Calls made before the socket opens wait for it; when it closes, pending
 * and later calls fail with a HostUnreachable-like "transport closed" error rather than hanging.
 */
export function createWebSocketTransport(socket: WebSocketLike): ContractTransport & { close(): void } {
  let nextId = 1;
  const pending = new Map<number, (result: CallResult<unknown>) => void>();
  const listeners = new Set<(event: EventName, payload: unknown) => void>();
  let closed = false;
  const opened = new Promise<void>((resolve, reject) => {
    if (socket.readyState === WS_OPEN) resolve();
    socket.addEventListener('open', () => resolve());
    socket.addEventListener('close', () => reject(new Error('transport closed')));
  });
  opened.catch(() => undefined); // observed by callers through call()

  const transportClosed = (): CallResult<unknown> => ({
    ok: false,
    error: { name: 'HostUnreachable', code: 'transport.closed', message: 'The connection to Tandem was closed.' },
  });

  socket.addEventListener('message', (ev) => {
    if (typeof ev.data !== 'string') return;
    let message: ServerMessage;
    try {
      message = JSON.parse(ev.data) as ServerMessage;
    } catch {
      return; // the server only sends JSON; anything else is not ours to interpret
    }
    if (message.type === 'result') {
      pending.get(message.id)?.(message.result);
      pending.delete(message.id);
    } else if (message.type === 'event') {
      for (const listener of listeners) listener(message.event, message.payload);
    }
  });
  socket.addEventListener('close', () => {
    closed = true;
    for (const resolve of pending.values()) resolve(transportClosed());
    pending.clear();
  });

  return {
    async call(method, args) {
      try {
        await opened;
      } catch {
        return transportClosed();
      }
      if (closed) return transportClosed();
      const id = nextId++;
      const message: WireCall = { type: 'call', id, method, args };
      return new Promise<CallResult<unknown>>((resolve) => {
        pending.set(id, resolve);
        socket.send(JSON.stringify(message));
      });
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      socket.close();
    },
  };
}
