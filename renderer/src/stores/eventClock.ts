/**
 * Orders call replies against events. Events are the source of truth for what the renderer shows; a call's
 * reply (a list snapshot, a lifecycle call's summary) is applied only to entities that no event has
 * touched since the call started. Whichever of "event" and "reply" arrives last, the final state is the
 * one the latest event carried, and a reply never overwrites fresher data with older data.
 */
export class EventClock {
  private seq = 0;
  private readonly lastEvent = new Map<string, number>();

  /** Records that an event (change or removal) for `key` was applied. */
  touch(key: string): void {
    this.lastEvent.set(key, ++this.seq);
  }

  /** The current point in time; take it when a call starts. */
  mark(): number {
    return this.seq;
  }

  /** Whether an event for `key` was applied after `mark` was taken. */
  changedSince(key: string, mark: number): boolean {
    return (this.lastEvent.get(key) ?? 0) > mark;
  }
}

/** Shallow equality of two flat records (our summaries are flat), to keep object identity stable. */
export function shallowEqualRecord(a: object, b: object): boolean {
  if (a === b) return true;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const key of ka) {
    if ((a as Record<string, unknown>)[key] !== (b as Record<string, unknown>)[key]) return false;
  }
  return true;
}

/**
 * Merges a list snapshot (a reply to a call started at `mark`) into `current`:
 * - entities in the snapshot replace the current ones unless an event touched them since `mark`;
 * - entities in scope but missing from the snapshot are dropped, unless an event touched them since `mark`
 *   (they appeared after the snapshot was taken);
 * - unchanged entities keep their object identity, so memoized rows do not re-render.
 * Returns `current` itself when nothing changed.
 */
export function mergeSnapshot<T extends object>(
  current: Record<string, T>,
  snapshot: readonly T[],
  keyOf: (item: T) => string,
  inScope: (item: T) => boolean,
  clock: EventClock,
  mark: number,
): Record<string, T> {
  const next: Record<string, T> = { ...current };
  let changed = false;
  const seen = new Set<string>();
  for (const item of snapshot) {
    const key = keyOf(item);
    seen.add(key);
    if (clock.changedSince(key, mark)) continue;
    const existing = next[key];
    if (existing && shallowEqualRecord(existing, item)) continue;
    next[key] = item;
    changed = true;
  }
  for (const [key, item] of Object.entries(current)) {
    if (seen.has(key) || !inScope(item) || clock.changedSince(key, mark)) continue;
    delete next[key];
    changed = true;
  }
  return changed ? next : current;
}
