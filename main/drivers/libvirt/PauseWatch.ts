/**
 * A guest's pause as libvirt reports it: from the domain's first SUSPENDED lifecycle event to the next
 * RESUMED one, timed as they reach this process. Both travel the same RPC path, so its latency mostly
 * cancels out; the figure is an upper bound of the guest's real pause by at most one event loop turn.
 */
import { performance } from 'node:perf_hooks';
import { virDomainEventID, virDomainEventType, type Connection, type Domain } from '../../../native-helpers/libvirt/lib/index';
import { mapped } from './mapLibvirtError';

export class PauseWatch {
  private suspendedAt: number | undefined;
  private resumedAt: number | undefined;
  private readonly waiters = new Set<() => void>();

  private constructor(
    private readonly conn: Connection,
    private callbackId = -1,
  ) {}

  static async start(conn: Connection, dom: Domain): Promise<PauseWatch> {
    const watch = new PauseWatch(conn);
    watch.callbackId = await mapped(() =>
      conn.domainEventRegister(virDomainEventID.VIR_DOMAIN_EVENT_ID_LIFECYCLE, dom, (event) => {
        if (event.event !== 'lifecycle') return;
        if (event.type === virDomainEventType.VIR_DOMAIN_EVENT_SUSPENDED) watch.suspendedAt ??= performance.now();
        if (event.type === virDomainEventType.VIR_DOMAIN_EVENT_RESUMED && watch.suspendedAt !== undefined && watch.resumedAt === undefined) {
          watch.resumedAt = performance.now();
          for (const wake of watch.waiters) wake();
        }
      }),
    );
    return watch;
  }

  /** The guest was paused (since the watch started). */
  get suspended(): boolean {
    return this.suspendedAt !== undefined;
  }

  /** The guest was paused and has run again since. */
  get resumed(): boolean {
    return this.resumedAt !== undefined;
  }

  /** ms between the two events, null when the guest was not (or is still) paused. */
  get stunMs(): number | null {
    return this.suspendedAt !== undefined && this.resumedAt !== undefined ? Math.round((this.resumedAt - this.suspendedAt) * 10) / 10 : null;
  }

  /** Resolves once the RESUMED event came, or after `timeoutMs`; true if it came. */
  async untilResumed(timeoutMs: number): Promise<boolean> {
    if (this.resumed) return true;
    let wake: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((done) => {
        wake = done;
        this.waiters.add(done);
        timer = setTimeout(done, timeoutMs);
      });
    } finally {
      clearTimeout(timer);
      if (wake) this.waiters.delete(wake);
    }
    return this.resumed;
  }

  async stop(): Promise<void> {
    // A connection that dropped took its registrations with it: nothing left to remove then.
    if (this.callbackId >= 0) await this.conn.domainEventDeregister(this.callbackId).catch(() => undefined);
    this.callbackId = -1;
  }
}
