/**
 * Child process of binding-hung-daemon.test.ts: exercises the binding against a libvirtd that stops answering
 * (SIGSTOP), where a crash takes the whole process down, so the test can only watch this process's exit.
 *
 *   hungDaemonChild.ts terminate-worker <uri> <daemon pid>
 *     a worker thread with calls in flight on the hung daemon is terminated; the daemon resumes while Node
 *     tears the worker's environment down, so the calls complete into an environment that cannot run JS.
 *   hungDaemonChild.ts keepalive-concurrent <uri> <daemon pid>
 *     keepalive (1 s x 2) declares the hung daemon dead while two calls wait on the connection.
 *
 * The daemon is always resumed (SIGCONT) before a normal exit; the test resumes it too, in case this dies.
 * Prints one JSON line with what it saw.
 */
import { once } from 'node:events';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { openConnection } from '../../../native-helpers/libvirt/lib/index';

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
  process.kill(pid, 'SIGSTOP');
  let results: PromiseSettledResult<string>[];
  try {
    results = await Promise.allSettled([conn.getHostname(), conn.getHostname()]);
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  await conn.close();
  return { errors: results.map((r) => (r.status === 'rejected' ? String((r.reason as Error).message) : 'resolved')) };
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
  };
  const run = scenarios[mode ?? ''];
  if (!run) throw new Error(`unknown mode ${mode}`);
  console.log(JSON.stringify(await run(uri, pid)));
}
