/**
 * Child process of binding-hung-daemon.test.ts: exercises the binding against a libvirtd that stops answering
 * (SIGSTOP), where a crash takes the whole process down, so the test can only watch this process's exit.
 *
 *   hungDaemonChild.ts terminate-worker <uri> <daemon pid>
 *     a worker thread with calls in flight on the hung daemon is terminated; the daemon resumes while Node
 *     tears the worker's environment down, so the calls complete into an environment that cannot run JS.
 *   hungDaemonChild.ts keepalive-concurrent <uri> <daemon pid>
 *     keepalive (1 s x 2) declares the hung daemon dead while two calls wait on the connection, which is
 *     resumed 6 s later (ungated: libvirt 9.0's client segfaults, the upstream bug the call gate works around).
 *   hungDaemonChild.ts keepalive-gated <uri> <daemon pid>
 *     the same with several calls issued at once on a gated connection (serializeCalls): one waits in
 *     libvirt, the others in the gate's queue.
 *
 * The daemon is always resumed (SIGCONT) before a normal exit; the test resumes it too, in case this dies.
 * Prints one JSON line with what it saw.
 */
import { once } from 'node:events';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { gateOf, LibvirtError, openConnection } from '../../../native-helpers/libvirt/lib/index';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function workerMain(uri: string): Promise<void> {
  const conn = await openConnection(uri);
  parentPort!.on('message', () => {
    for (let i = 0; i < 3; i++) void conn.getHostname().catch(() => undefined);
    parentPort!.postMessage('calling');
  });
  parentPort!.postMessage('open');
}

async function terminateWorker(uri: string, pid: number): Promise<object> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { uri }, execArgv: ['--import', 'tsx'] });
  await once(worker, 'message');
  process.kill(pid, 'SIGSTOP');
  try {
    worker.postMessage('call');
    await once(worker, 'message');
    await sleep(300); // the calls are on the wire, waiting for the stopped daemon
    const resume = setTimeout(() => process.kill(pid, 'SIGCONT'), 500);
    // Node's teardown of the worker waits for its calls in flight, which complete once the daemon resumes.
    const exitCode = await worker.terminate();
    clearTimeout(resume);
    return { exitCode };
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}

async function keepaliveConcurrent(uri: string, pid: number): Promise<object> {
  const conn = await openConnection(uri);
  await conn.setKeepAlive(1, 2);
  // As Tandem's sessions do. Without a close callback the two waiters hang for good instead of crashing.
  await conn.registerCloseCallback(() => undefined);
  process.kill(pid, 'SIGSTOP');
  // Neither call fails when keepalive closes the connection (~3 s): both keep waiting, and the crash comes
  // when the daemon answers again.
  const resume = setTimeout(() => process.kill(pid, 'SIGCONT'), 6000);
  let results: PromiseSettledResult<string>[];
  try {
    results = await Promise.allSettled([conn.getHostname(), conn.getHostname()]);
  } finally {
    clearTimeout(resume);
    process.kill(pid, 'SIGCONT');
  }
  await conn.close();
  return { errors: results.map((r) => (r.status === 'rejected' ? String((r.reason as Error).message) : 'resolved')) };
}

async function keepaliveGated(uri: string, pid: number): Promise<object> {
  const conn = await openConnection(uri, { serializeCalls: true });
  await conn.setKeepAlive(1, 2);
  const [domain] = await conn.listAllDomains();
  const closeReasons: number[] = [];
  await conn.registerCloseCallback(({ reason }) => closeReasons.push(reason));
  process.kill(pid, 'SIGSTOP');
  // Ungated, the calls would outlive the keepalive close and the process would crash when the daemon is back.
  const resume = setTimeout(() => process.kill(pid, 'SIGCONT'), 8000);
  let results: PromiseSettledResult<unknown>[];
  let queuedBehindFirst: number;
  try {
    const calls: Promise<unknown>[] = [conn.getHostname(), conn.listAllDomains(), conn.getNodeInfo(), conn.getHostname()];
    if (domain) calls.push(domain.getInfo(), domain.getXMLDesc());
    queuedBehindFirst = gateOf(conn)?.queued ?? 0;
    results = await Promise.allSettled(calls);
  } finally {
    clearTimeout(resume);
    process.kill(pid, 'SIGCONT');
  }
  await sleep(1000); // the daemon answers again: where the ungated connection crashes
  await conn.close();
  return {
    calls: results.length,
    queuedBehindFirst,
    closeReasons,
    errors: results.map((r) =>
      r.status === 'rejected' && r.reason instanceof LibvirtError
        ? `${r.reason.codeName}: ${r.reason.message}`
        : `not a LibvirtError: ${String(r.status === 'rejected' ? r.reason : 'resolved')}`,
    ),
  };
}

if (!isMainThread) {
  await workerMain((workerData as { uri: string }).uri);
} else {
  const [mode, uri, pidText] = process.argv.slice(2);
  const pid = Number(pidText);
  if (!uri || !Number.isInteger(pid) || pid <= 0) throw new Error('usage: hungDaemonChild.ts <mode> <uri> <daemon pid>');
  const scenarios: Record<string, (u: string, p: number) => Promise<object>> = {
    'terminate-worker': terminateWorker,
    'keepalive-concurrent': keepaliveConcurrent,
    'keepalive-gated': keepaliveGated,
  };
  const run = scenarios[mode ?? ''];
  if (!run) throw new Error(`unknown mode ${mode}`);
  console.log(JSON.stringify(await run(uri, pid)));
}
