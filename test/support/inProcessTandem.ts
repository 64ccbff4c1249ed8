/**
 * Starts Tandem core + the browser-mode server in this process, with a fresh data folder, and connects the
 * renderer's own client (preload/client.ts) to it over a real WebSocket: the same path the UI uses.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createContractClient, createWebSocketTransport, type WebSocketLike } from '../../preload/client';
import type { Job } from '../../preload/api/jobs';
import type { ContractClient, EventName, EventPayload } from '../../preload/contract';
import { createTandem, type Tandem, type TandemOptions } from '../../main/bootstrap/createTandem';
import { startServer, type RunningServer } from '../../main/server/TandemServer';

export interface InProcessTandem {
  tandem: Tandem;
  server: RunningServer;
  client: ContractClient;
  dataDir: string;
  /** Opens another raw client (for protocol-level tests). */
  connect(options?: { token?: string; origin?: string; path?: string }): WebSocket;
  /** Resolves with the first event matching `predicate`, seen from now on. */
  nextEvent<E extends EventName>(event: E, predicate: (payload: EventPayload<E>) => boolean, timeoutMs?: number): Promise<EventPayload<E>>;
  stop(): Promise<void>;
}

export async function startInProcessTandem(options: Partial<TandemOptions> = {}): Promise<InProcessTandem> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'tandem-it-')));
  const tandem = await createTandem({ mode: 'headless', dataDir, demo: 'always', localUri: null, ...options });
  await tandem.ready();
  const server = await startServer({ tandem, staticDir: join(import.meta.dirname, '..', '..', 'dist', 'renderer') });
  const origin = `http://127.0.0.1:${server.port}`;
  const connect = (o: { token?: string; origin?: string; path?: string } = {}) =>
    new WebSocket(`ws://127.0.0.1:${server.port}${o.path ?? '/api'}?token=${o.token ?? server.token}`, {
      headers: { Origin: o.origin ?? origin },
    });
  const socket = connect();
  const transport = createWebSocketTransport(socket as unknown as WebSocketLike);
  const client = createContractClient(transport);

  return {
    tandem,
    server,
    client,
    dataDir,
    connect,
    nextEvent(event, predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          off();
          reject(new Error(`no ${event} event matched within ${timeoutMs} ms`));
        }, timeoutMs);
        const off = client.on(event, (payload) => {
          if (!predicate(payload)) return;
          clearTimeout(timer);
          off();
          resolve(payload);
        });
      });
    },
    async stop() {
      transport.close();
      await server.close();
      await tandem.dispose();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const ENDED: readonly string[] = ['succeeded', 'failed', 'cancelled'];

/**
 * The job once it has ended (succeeded, failed or cancelled): as listed when it already has, else from its
 * `jobs.changed` event. Listening starts before the list is asked for: a job that ends while the list reply is
 * on its way sends its event before that reply arrives (or in the same read), and would otherwise be missed.
 */
export function waitForJobEnd(t: InProcessTandem, jobId: string, timeoutMs: number): Promise<Job> {
  const ended = (j: Job) => j.id === jobId && ENDED.includes(j.state);
  return new Promise<Job>((resolve, reject) => {
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      off();
      settle();
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`job ${jobId} did not end within ${timeoutMs} ms`))), timeoutMs);
    const off = t.client.on('jobs.changed', (j) => {
      if (ended(j)) finish(() => resolve(j));
    });
    t.client.call('jobs.list', {}).then(
      (jobs) => {
        const current = jobs.find(ended);
        if (current) finish(() => resolve(current));
      },
      (error: unknown) => finish(() => reject(error as Error)),
    );
  });
}

/** The rejection of a contract call, re-typed by the client. */
export async function callError(promise: Promise<unknown>): Promise<{ errorName: string; code: string; message: string; libvirt?: { codeName: string } }> {
  return promise.then(
    (value) => {
      throw new Error(`expected the call to fail, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error as never,
  );
}
