/**
 * An in-memory ContractTransport for the renderer's unit tests: the test decides what each method returns
 * (immediately, as an error, or later by hand) and emits events when it wants, so orderings such as "the
 * event arrives before the call's reply" can be tested deterministically. The real transports (IPC and
 * WebSocket) are exercised by the end-to-end tests.
 */
import type { ContractTransport } from '../../../preload/client';
import type {
  CallResult,
  ContractError,
  EventName,
  EventPayload,
  MethodArgs,
  MethodName,
  MethodOutput,
} from '../../../preload/contract';

type Handler = (args: unknown) => CallResult<unknown> | Promise<CallResult<unknown>>;

export interface HeldCall<M extends MethodName> {
  args: MethodArgs<M>;
  resolve(value: MethodOutput<M>): void;
  fail(error: ContractError): void;
}

export interface MemoryTransport {
  transport: ContractTransport;
  /** Every call made, in order. */
  calls: Array<{ method: string; args: unknown }>;
  /** Answer `method` with the function's value. */
  reply<M extends MethodName>(method: M, fn: (args: MethodArgs<M>) => MethodOutput<M>): void;
  /** Answer `method` with an error. */
  fail(method: MethodName, error: ContractError): void;
  /** Keep calls of `method` pending; the returned array fills with calls to resolve by hand. */
  hold<M extends MethodName>(method: M): Array<HeldCall<M>>;
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  listenerCount(): number;
}

export function createMemoryTransport(): MemoryTransport {
  const handlers = new Map<string, Handler>();
  const listeners = new Set<(event: EventName, payload: unknown) => void>();
  const calls: Array<{ method: string; args: unknown }> = [];

  return {
    transport: {
      async call(method, args) {
        calls.push({ method, args });
        const handler = handlers.get(method);
        if (!handler) {
          return { ok: false, error: { name: 'NotFound', code: 'method.not-found', message: `no handler for ${method}` } };
        }
        return handler(args);
      },
      onEvent(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    calls,
    reply(method, fn) {
      handlers.set(method, (args) => ({ ok: true, value: fn(args as never) }));
    },
    fail(method, error) {
      handlers.set(method, () => ({ ok: false, error }));
    },
    hold<M extends MethodName>(method: M) {
      const held: Array<HeldCall<M>> = [];
      handlers.set(
        method,
        (args) =>
          new Promise<CallResult<unknown>>((resolve) => {
            held.push({
              args: args as MethodArgs<M>,
              resolve: (value) => resolve({ ok: true, value }),
              fail: (error) => resolve({ ok: false, error }),
            });
          }),
      );
      return held;
    },
    emit(event, payload) {
      for (const listener of listeners) listener(event, payload);
    },
    listenerCount() {
      return listeners.size;
    },
  };
}

/** Lets pending promise callbacks (the client's and the stores') run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
