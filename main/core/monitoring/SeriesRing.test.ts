import { describe, expect, it } from 'vitest';
import { SeriesRing } from './SeriesRing';

describe('SeriesRing', () => {
  it('keeps samples oldest first until it is full', () => {
    const ring = new SeriesRing(4, 2);
    ring.push(1, [10, 100]);
    ring.push(2, [20, NaN]);
    expect(ring.snapshot()).toEqual({ t: [1, 2], values: [[10, 20], [100, NaN]] });
  });

  it('wraps: the oldest samples are overwritten and memory stays fixed', () => {
    const ring = new SeriesRing(3, 1);
    const bytes = ring.byteLength;
    for (let t = 1; t <= 7; t++) ring.push(t, [t * 10]);
    expect(ring.size).toBe(3);
    expect(ring.snapshot()).toEqual({ t: [5, 6, 7], values: [[50, 60, 70]] });
    expect(ring.byteLength).toBe(bytes);
  });

  it('returns a window of samples at or after a time, across the wrap point', () => {
    const ring = new SeriesRing(4, 1);
    for (let t = 1; t <= 6; t++) ring.push(t * 1000, [t]);
    expect(ring.snapshot(4000)).toEqual({ t: [4000, 5000, 6000], values: [[4, 5, 6]] });
    expect(ring.snapshot(99_000)).toEqual({ t: [], values: [[]] });
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new SeriesRing(0, 1)).toThrow(RangeError);
    expect(() => new SeriesRing(1.5, 1)).toThrow(RangeError);
  });
});
