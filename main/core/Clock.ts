import type { Disposable } from './hosts/HostDriver';

/** Time, injectable so reconnect backoff and samplers are testable without waiting. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): Disposable;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, ms);
    // A pending reconnect must not keep a headless process alive on its own.
    timer.unref?.();
    return { dispose: () => clearTimeout(timer) };
  },
};
