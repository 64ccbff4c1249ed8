/**
 * A fixed-size history of one series (a VM or a host): one time column and one column per field, in typed
 * arrays allocated once, so memory per series never grows. Values are Float32 (a chart needs no more; a
 * KiB count stays exact below 16 GiB and within 1e-7 relative above); times are Float64 epoch ms.
 */
export interface SeriesSnapshot {
  t: number[];
  /** values[field][i] goes with t[i]; NaN where the host gave no value. */
  values: number[][];
}

export class SeriesRing {
  private readonly times: Float64Array;
  private readonly columns: Float32Array[];
  /** Index of the next write. */
  private head = 0;
  private count = 0;

  constructor(
    readonly capacity: number,
    fields: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.times = new Float64Array(capacity);
    this.columns = Array.from({ length: fields }, () => new Float32Array(capacity));
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by this series (fixed at construction). */
  get byteLength(): number {
    return this.times.byteLength + this.columns.reduce((sum, c) => sum + c.byteLength, 0);
  }

  push(t: number, row: ArrayLike<number>): void {
    this.times[this.head] = t;
    for (let f = 0; f < this.columns.length; f++) this.columns[f]![this.head] = row[f] ?? NaN;
    this.head = (this.head + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** Oldest first; only samples at or after `sinceMs` when given. */
  snapshot(sinceMs = -Infinity): SeriesSnapshot {
    const start = (this.head - this.count + this.capacity) % this.capacity;
    const t: number[] = [];
    const values: number[][] = this.columns.map(() => []);
    for (let i = 0; i < this.count; i++) {
      const at = (start + i) % this.capacity;
      if (this.times[at]! < sinceMs) continue;
      t.push(this.times[at]!);
      for (let f = 0; f < this.columns.length; f++) values[f]!.push(this.columns[f]![at]!);
    }
    return { t, values };
  }
}
