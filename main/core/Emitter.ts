import type { Disposable } from './hosts/HostDriver';
import { createLogger } from './logging';

const log = createLogger('emitter');

/**
 * A typed event source. A listener that throws is reported and does not stop the others: one broken
 * subscriber (a closed window, say) must not starve the rest of events.
 */
export class Emitter<T> {
  private readonly listeners = new Set<(value: T) => void>();

  on(listener: (value: T) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }

  emit(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (error) {
        log.error('event listener failed', error);
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
