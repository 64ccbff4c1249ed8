import { describe, expect, it } from 'vitest';
import { describeFigures, describeResult, formatMs } from './jobFigures';

describe('job figures', () => {
  it('formats milliseconds', () => {
    expect([formatMs(218), formatMs(3139), formatMs(42_000), formatMs(125_000)]).toEqual(['218 ms', '3.14 s', '42.0 s', '2 min 5 s']);
  });
  it('labels the known migration figures in a stable order and leaves the rest out', () => {
    expect(describeFigures({ dirtyRate: 2 * 1024 * 1024, dataProcessed: 1024, vm: 'web', expectedDowntimeMs: 300 })).toEqual([
      { key: 'dataProcessed', label: 'processed', value: '1 KiB' },
      { key: 'dirtyRate', label: 'dirty rate', value: '2 MiB/s' },
      { key: 'expectedDowntimeMs', label: 'expected downtime', value: '300 ms' },
    ]);
  });
  it("shows a finished checkpoint job's pause and duration; other results and no result show nothing", () => {
    expect(describeResult({ checkpointId: 'x', durationMs: 1530, stunMs: 43.8, kind: 'memory' })).toEqual([
      { key: 'stunMs', label: 'guest paused', value: '44 ms' },
      { key: 'durationMs', label: 'took', value: '1.53 s' },
    ]);
    expect(describeResult({ stunMs: null, downtimeMs: 30 })).toEqual([]);
    expect(describeResult(undefined)).toEqual([]);
  });
});
