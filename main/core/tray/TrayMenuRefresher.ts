/**
 * Rebuilds the tray menu when something it shows changed, never on a timer: each change signal (a contract
 * event, the recent list) arms one short debounce, and a burst (a host connecting reports every VM at once)
 * ends in a single rebuild. Nothing is scheduled while nothing changes.
 */
import type { Clock } from '../Clock';
import type { Disposable } from '../hosts/HostDriver';

/** Long enough to fold a host's burst of events into one rebuild, short enough to feel immediate. */
export const TRAY_DEBOUNCE_MS = 150;
/** A steady stream of events still rebuilds at least this often (the debounce never postpones past it). */
export const TRAY_MAX_WAIT_MS = 1000;

export class TrayMenuRefresher {
  private pending: Disposable | undefined;
  /** When the first change of the current burst arrived. */
  private burstStart = 0;
  private readonly subscriptions: Disposable[];
  private disposed = false;

  constructor(
    private readonly clock: Clock,
    sources: Array<(listener: () => void) => Disposable>,
    private readonly rebuild: () => void,
    private readonly delayMs = TRAY_DEBOUNCE_MS,
  ) {
    this.subscriptions = sources.map((subscribe) => subscribe(() => this.schedule()));
  }

  /** Whether a rebuild is waiting (for tests: nothing is armed while nothing changes). */
  get scheduled(): boolean {
    return this.pending !== undefined;
  }

  private schedule(): void {
    if (this.disposed) return;
    // Trailing debounce: each change pushes the rebuild back, so the menu is built once the burst is over,
    // but never more than TRAY_MAX_WAIT_MS after the burst began.
    if (this.pending) {
      if (this.clock.now() - this.burstStart >= TRAY_MAX_WAIT_MS - this.delayMs) return;
      this.pending.dispose();
    } else {
      this.burstStart = this.clock.now();
    }
    this.pending = this.clock.setTimeout(() => {
      this.pending = undefined;
      if (!this.disposed) this.rebuild();
    }, this.delayMs);
  }

  dispose(): void {
    this.disposed = true;
    this.pending?.dispose();
    this.pending = undefined;
    for (const sub of this.subscriptions) sub.dispose();
  }
}
