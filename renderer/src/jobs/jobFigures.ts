/** How a job's figures read in the UI (migration figures are bytes, bytes/s and milliseconds). */
import { formatBytes } from '../format';

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

const LABELS: Record<string, [string, (v: number) => string]> = {
  dataProcessed: ['processed', formatBytes],
  dataRemaining: ['remaining', formatBytes],
  dataTotal: ['total', formatBytes],
  dirtyRate: ['dirty rate', (v) => `${formatBytes(v)}/s`],
  transferRate: ['speed', (v) => `${formatBytes(v)}/s`],
  expectedDowntimeMs: ['expected downtime', formatMs],
  iteration: ['pass', (v) => String(v)],
  elapsedMs: ['elapsed', formatMs],
};

/** What a finished job's result says (a checkpoint's pause and duration); other results are left out. */
const RESULT_LABELS: Record<string, [string, (v: number) => string]> = {
  stunMs: ['guest paused', formatMs],
  durationMs: ['took', formatMs],
};

export function describeResult(result: Record<string, unknown> | undefined): Array<{ key: string; label: string; value: string }> {
  if (!result) return [];
  return Object.keys(RESULT_LABELS)
    .filter((key) => typeof result[key] === 'number')
    .map((key) => {
      const [label, format] = RESULT_LABELS[key]!;
      return { key, label, value: format(result[key] as number) };
    });
}

/** The figures the UI knows how to read, labelled and formatted, in a stable order. */
export function describeFigures(figures: Record<string, number | string>): Array<{ key: string; label: string; value: string }> {
  return Object.keys(LABELS)
    .filter((key) => typeof figures[key] === 'number')
    .map((key) => {
      const [label, format] = LABELS[key]!;
      return { key, label, value: format(figures[key] as number) };
    });
}
