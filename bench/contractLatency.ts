/**
 * Round-trip latency of one contract call, three ways, in the same run:
 * - direct: calling the dispatcher in-process (the baseline: validation + service, no transport);
 * - IPC-equivalent: structured clone over a MessageChannel between threads, which is what Electron's
 *   ipcRenderer.invoke does (Electron itself cannot run on these machines);
 * - WebSocket: browser mode, the renderer's own client over a loopback socket.
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import WebSocket from 'ws';
import { createContractClient, createWebSocketTransport, type ContractTransport, type WebSocketLike } from '../preload/client';
import type { CallResult, MethodName } from '../preload/contract';
import type { Tandem } from '../main/bootstrap/createTandem';
import type { RunningServer } from '../main/server/TandemServer';
import { fmt, median, percentile, timeEach } from './stats';

/** The renderer side of the IPC-equivalent transport runs in a worker, like a renderer process would. */
const RENDERER_SIDE = `
const { parentPort } = require('node:worker_threads');
parentPort.once('message', ({ port, method, args, count }) => {
  let pending = new Map(), next = 1;
  port.on('message', ({ id, result }) => { pending.get(id)(result); pending.delete(id); });
  const call = () => new Promise((r) => { const id = next++; pending.set(id, r); port.postMessage({ id, method, args }); });
  (async () => {
    for (let i = 0; i < 50; i++) await call();
    const samples = [];
    for (let i = 0; i < count; i++) { const t = performance.now(); await call(); samples.push(performance.now() - t); }
    parentPort.postMessage(samples);
  })();
});`;

async function ipcEquivalent(tandem: Tandem, method: MethodName, args: unknown, count: number): Promise<number[]> {
  const { port1, port2 } = new MessageChannel();
  port1.on('message', async ({ id, method: m, args: a }: { id: number; method: string; args: unknown }) => {
    const result: CallResult<unknown> = await tandem.dispatch(m, a);
    port1.postMessage({ id, result });
  });
  const worker = new Worker(RENDERER_SIDE, { eval: true });
  const samples = await new Promise<number[]>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.postMessage({ port: port2, method, args, count }, [port2]);
  });
  await worker.terminate();
  port1.close();
  return samples;
}

export async function benchContractLatency(tandem: Tandem, server: RunningServer) {
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, { headers: { Origin: `http://127.0.0.1:${server.port}` } });
  const transport: ContractTransport & { close(): void } = createWebSocketTransport(socket as unknown as WebSocketLike);
  const client = createContractClient(transport);
  const COUNT = 2000;
  const rows = [];
  for (const [method, args] of [
    ['app.info', {}],
    ['vms.list', { hostId: 'demo' }],
  ] as const) {
    const direct = await timeEach(COUNT, () => tandem.dispatch(method, args));
    const ipc = await ipcEquivalent(tandem, method, args, COUNT);
    const ws = await timeEach(COUNT, () => client.call(method, args as never));
    for (const [transportName, samples] of [
      ['direct (baseline)', direct],
      ['IPC-equivalent', ipc],
      ['WebSocket', ws],
    ] as const) {
      rows.push({
        call: method,
        transport: transportName,
        p50: fmt(median(samples)),
        p99: fmt(percentile(samples, 99)),
        'x baseline (p50)': (median(samples) / median(direct)).toFixed(1),
      });
    }
  }
  transport.close();
  return rows;
}
