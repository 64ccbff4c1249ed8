/**
 * The binding against a libvirtd that stops answering (SIGSTOP on host1 of the test bed): whatever happens
 * to the calls in flight, the process must not crash. Each case runs in a child process (hungDaemonChild.ts)
 * because a crash there is the failure being tested; the daemon is resumed here too, whatever the child did.
 */
import { execFile } from 'node:child_process';
import { readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { gateOf, virConnectCloseReason } from '../../../native-helpers/libvirt/lib/index';
import { LibvirtHostDriver, libvirtConnectionOf } from '../../../main/drivers/libvirt/LibvirtHostDriver';
import { testbedOrFail } from '../../support/requireTestbed';

const run = promisify(execFile);
const env = testbedOrFail();
const CHILD = join(import.meta.dirname, 'hungDaemonChild.ts');

/** host1's libvirtd, from its pidfile, checked to be libvirtd (never signal a recycled PID). */
async function host1DaemonPid(): Promise<number> {
  const pid = Number((await readFile(join(env!.dir, 'host1', 'libvirtd.pid'), 'utf8')).trim());
  expect(await readlink(`/proc/${pid}/exe`)).toBe('/usr/sbin/libvirtd');
  return pid;
}

/** Runs one child scenario; rejects (with the exit code or signal) if the child crashes. */
async function runChild(mode: string): Promise<Record<string, unknown>> {
  const pid = await host1DaemonPid();
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', CHILD, mode, env!.host1Uri, String(pid)], {
      timeout: 60_000,
    });
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}

describe.skipIf(!env)('binding against a hung daemon', () => {
  it('a worker thread terminated with calls in flight ends cleanly when the calls complete during its teardown', async () => {
    // Before the fix: the completed calls tried to settle their promises in the dying environment and
    // node-addon-api's exception escaped the libuv callback: "terminate called after throwing an instance
    // of 'Napi::Error'", SIGABRT of the whole process.
    expect(await runChild('terminate-worker')).toEqual({ exitCode: 1 });
  });

  it('keepalive closing a hung gated connection (serializeCalls) fails every queued call with a LibvirtError instead of crashing', async () => {
    // Without the gate this is the crash below: here only the first call waits in libvirt's client, the
    // others wait in the gate's queue and then fail fast on the closed connection.
    const result = await runChild('keepalive-gated');
    expect(result.queuedBehindFirst).toBe((result.calls as number) - 1);
    expect(result.errors).toHaveLength(result.calls as number);
    const [first, ...queued] = result.errors as string[];
    expect(first).toMatch(/^VIR_ERR_INTERNAL_ERROR: .*keepalive/);
    expect(queued).toEqual(queued.map(() => expect.stringMatching(/^VIR_ERR_INTERNAL_ERROR: .*(closed|keepalive)/)));
    expect(result.closeReasons).toEqual([virConnectCloseReason.VIR_CONNECT_CLOSE_REASON_KEEPALIVE]);
  });

  it("Tandem's host sessions to a remote URI are gated", async () => {
    const session = await new LibvirtHostDriver().connect(env!.host1Uri, {});
    try {
      expect(gateOf(libvirtConnectionOf(session))).toBeDefined();
    } finally {
      await session.close();
    }
  });

  // UPSTREAM BUG, kept as evidence (opt-in: TANDEM_RUN_KNOWN_CRASHES=1): libvirt 9.0's RPC client (Debian 12)
  // breaks when keepalive closes a connection while two threads wait on it: neither call fails, and once the
  // daemon answers again the process segfaults. The thread holding the "buck" leaves its socket watch (a
  // GSource pointing at its own stack) attached to the client's GMainContext when the keepalive timer quits
  // its loop from the event-loop thread; the next waiter runs that context and dispatches the stale watch
  // when the socket turns readable: SIGSEGV in virNetClientIOEventFD. Tandem gates remote
  // connections (the test above); an ungated connection still crashes, which this shows: if it ever stops
  // crashing (a fixed libvirt), the gate may no longer be needed.
  it.runIf(process.env.TANDEM_RUN_KNOWN_CRASHES === '1')(
    'an ungated connection closed by keepalive under two waiting calls still crashes the process when the daemon answers again (libvirt 9.0)',
    async () => {
      const outcome = await runChild('keepalive-concurrent').then(
        (result) => ({ result }),
        (error: { signal?: string | null }) => ({ signal: error.signal }),
      );
      expect(outcome).toEqual({ signal: 'SIGSEGV' });
    },
  );
});
