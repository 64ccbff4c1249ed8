/**
 * The sampling loop of one host. The next tick is scheduled only when the previous read has settled, so two
 * ticks of one host never overlap, and each host has its own loop, so a slow or failing host delays only
 * itself. The cadence stays on the interval: a read that took 300 ms is followed by the next one 1.7 s
 * later at a 2 s interval (immediately if the read took longer than the interval).
 */
import type { Clock } from '../Clock';
import type { Disposable } from '../hosts/HostDriver';
import { createLogger } from '../logging';
import type { MonitoringPort, RawHostCounters } from './MonitoringPort';

const log = createLogger('monitoring');

export interface HostReading {
  hostId: string;
  /** When the read started (epoch ms by the injected clock). */
  at: number;
  counters: RawHostCounters;
}

export class HostSampler {
  private timer: Disposable | undefined;
  private stopped = false;
  private failing = false;

  constructor(
    readonly hostId: string,
    private readonly port: MonitoringPort,
    private readonly clock: Clock,
    private readonly intervalMs: () => number,
    private readonly onReading: (reading: HostReading) => void,
  ) {}

  start(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.dispose();
    this.timer = undefined;
  }

  /** Brings the next tick forward after an interval change (the current read, if any, still finishes first). */
  reschedule(): void {
    if (this.timer) this.schedule(this.intervalMs());
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer?.dispose();
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.tick();
    }, delayMs);
  }

  private async tick(): Promise<void> {
    const at = this.clock.now();
    try {
      const counters = await this.port.read(this.hostId);
      if (this.stopped) return;
      if (this.failing) log.info(`sampling ${this.hostId} works again`);
      this.failing = false;
      this.onReading({ hostId: this.hostId, at, counters });
    } catch (error) {
      // Reported once per run of failures: a host that is going away fails every tick until it is stopped.
      if (!this.failing && !this.stopped) log.warn(`sampling ${this.hostId} failed`, error);
      this.failing = true;
    } finally {
      if (!this.stopped) this.schedule(Math.max(0, this.intervalMs() - (this.clock.now() - at)));
    }
  }
}
