/**
 * Sampler overhead: the main process's CPU time (process.cpuUsage: the JS thread, libvirt's event thread
 * and the binding's workers) while Tandem monitors a test-driver host with 500 running domains at a 2 s
 * interval, with one browser-mode client connected (so each tick is validated, serialized and sent as a
 * real window would receive it), vs the same app, host and client with sampling stopped, over the same wall
 * time in the same run. libvirt's test driver reports only the state group per domain, so this measures
 * Tandem's own cost per tick (bulk call, rates, ring buffers, event validation and delivery), not QEMU's.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import WebSocket from 'ws';
import { createContractClient, createWebSocketTransport, type WebSocketLike } from '../preload/client';
import { createTandem } from '../main/bootstrap/createTandem';
import { startServer } from '../main/server/TandemServer';
import { nodeWithDomains } from './listAndRender';

const VMS = 500;

// A full collection between phases, outside the measured windows: otherwise the garbage of one phase (500
// ring buffers, the listing) is collected, and counted, during the next one.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const INTERVAL_S = 2;
/** Each phase runs ROUNDS windows, alternating (idle, sampling, idle, ...), so drift hits both alike. */
const ROUNDS = 5;
const WINDOW_MS = 10_000;

interface Phase {
  cpuMs: number;
  wallMs: number;
  ticks: number;
  vmsPerTick: number;
}

async function measure(workDir: string, uri: string, sampling: boolean, round: number | 'warm-up', windowMs = WINDOW_MS): Promise<Phase> {
  const dataDir = join(workDir, `${sampling ? 'sampling' : 'idle'}-${round}`);
  const tandem = await createTandem({ mode: 'headless', dataDir, demo: 'never', localUri: null });
  const server = await startServer({ tandem, staticDir: join(workDir, 'no-ui') });
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, {
    headers: { Origin: `http://127.0.0.1:${server.port}` },
  });
  const transport = createWebSocketTransport(socket as unknown as WebSocketLike);
  const client = createContractClient(transport);
  let ticks = 0;
  let vmsPerTick = 0;
  const off = client.on('monitoring.tick', (tick) => {
    ticks++;
    vmsPerTick = tick.vms.length;
  });
  try {
    await client.call('monitoring.setSettings', { intervalSeconds: INTERVAL_S });
    if (!sampling) tandem.monitoring.dispose();
    const host = await client.call('hosts.add', { uri });
    await tandem.ready();
    // Settle: the first listing, the first tick and its allocations (500 ring buffers) are not steady state.
    await new Promise((r) => setTimeout(r, 3 * INTERVAL_S * 1000));
    if (sampling && ticks === 0) throw new Error(`no monitoring tick from ${host.id}`);
    collectGarbage();
    await new Promise((r) => setTimeout(r, 1000)); // V8 sweeps concurrently after a full collection
    ticks = 0;
    const cpu = process.cpuUsage();
    const start = performance.now();
    await new Promise((r) => setTimeout(r, windowMs));
    const used = process.cpuUsage(cpu);
    return { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - start, ticks, vmsPerTick };
  } finally {
    off();
    transport.close();
    await server.close();
    await tandem.dispose();
  }
}

export async function benchSampler(workDir: string) {
  const file = join(workDir, `node-${VMS}.xml`);
  await writeFile(file, nodeWithDomains(VMS));
  const uri = `test://${file}`;
  const idle: Phase[] = [];
  const sampling: Phase[] = [];
  // One discarded round first: the first app in a process pays one-time costs (lazy compilation, the
  // binding's first calls) that would otherwise be charged to whichever phase runs first.
  await measure(workDir, uri, true, 'warm-up', 4000);
  for (let round = 0; round < ROUNDS; round++) {
    idle.push(await measure(workDir, uri, false, round));
    sampling.push(await measure(workDir, uri, true, round));
  }
  // The median window of each phase: one window now and then catches a stray collection or a neighbour's
  // burst on the shared machine; the median ignores it, for both phases alike.
  const mid = (phases: Phase[]) => [...phases].sort((x, y) => x.cpuMs - y.cpuMs)[Math.floor(phases.length / 2)]!;
  const range = (phases: Phase[]) => `${Math.min(...phases.map((p) => p.cpuMs)).toFixed(0)}-${Math.max(...phases.map((p) => p.cpuMs)).toFixed(0)} ms`;
  const idleMid = mid(idle);
  const samplingMid = mid(sampling);
  const pct = (p: Phase) => `${((p.cpuMs / p.wallMs) * 100).toFixed(2)} % of one core`;
  const overheadMs = samplingMid.cpuMs - idleMid.cpuMs;
  return [
    {
      app: 'idle (same host and client, no sampling)',
      'CPU time per window (median; range)': `${idleMid.cpuMs.toFixed(0)} ms in ${(idleMid.wallMs / 1000).toFixed(0)} s (${range(idle)})`,
      share: pct(idleMid),
      ticks: '-',
    },
    {
      app: `sampling ${VMS} VMs every ${INTERVAL_S} s`,
      'CPU time per window (median; range)': `${samplingMid.cpuMs.toFixed(0)} ms in ${(samplingMid.wallMs / 1000).toFixed(0)} s (${range(sampling)})`,
      share: pct(samplingMid),
      ticks: `${samplingMid.ticks} x ${samplingMid.vmsPerTick} VMs`,
    },
    {
      app: 'overhead of the sampler',
      'CPU time per window (median; range)': `${overheadMs.toFixed(0)} ms (${(overheadMs / Math.max(1, samplingMid.ticks)).toFixed(1)} ms per tick)`,
      share: `${((overheadMs / samplingMid.wallMs) * 100).toFixed(2)} % of one core`,
      ticks: `ratio ${(samplingMid.cpuMs / Math.max(1e-9, idleMid.cpuMs)).toFixed(1)}x idle`,
    },
  ];
}
