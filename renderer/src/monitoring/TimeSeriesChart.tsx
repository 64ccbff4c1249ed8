/**
 * One live line chart on uPlot (canvas; it sizes its elements through the CSSOM, which a strict
 * `style-src 'self'` CSP allows). The chart is created once per set of series and fed with setData on
 * every new point; its own legend is replaced by the latest values in the header (plain React text).
 * React's `style` prop is applied through the CSSOM as well, never as a style attribute.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  values: Array<number | null>;
  /** A CSS color. */
  stroke: string;
}

export interface TimeSeriesChartProps {
  testId: string;
  title: string;
  /** Epoch ms, ascending. */
  t: number[];
  series: ChartSeries[];
  /** Formats a value for the axis and the header. */
  format: (value: number) => string;
  /** Fixed y range (e.g. 0-100 for percentages); otherwise from the data, starting at 0. */
  yMax?: number;
  height?: number;
}

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const formatClock = (seconds: number) => clock.format(seconds * 1000);

/** uPlot's own axis font, set explicitly so that labels are measured in the font they are drawn in. */
const AXIS_FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif';
/** Free space between two neighbouring labels, and between the value labels and the plot. */
const LABEL_GAP_PX = 12;

let measuring: CanvasRenderingContext2D | null | undefined;
/** Width in CSS px of a label drawn in AXIS_FONT. */
function labelWidth(text: string): number {
  measuring ??= document.createElement('canvas').getContext('2d');
  if (!measuring) return text.length * 8; // no 2D context: a generous guess for 12px text
  measuring.font = AXIS_FONT;
  return measuring.measureText(text).width;
}

/**
 * Pixels uPlot must keep between two time ticks: the widest clock label of the range plus a gap. uPlot's
 * default (50 px) suits its short labels (":30"); full clock times ("10:42:05 PM", 70+ px) drawn that close
 * overlap, so it picks a coarser step (5 s, 10 s, 15 s, 30 s, 1 min...) instead.
 */
function timeTickSpace(min: number, max: number): number {
  const widest = Math.max(...[min, (min + max) / 2, max].map((t) => labelWidth(formatClock(t))));
  return Math.ceil(widest) + LABEL_GAP_PX;
}

/** The value axis is as wide as its widest label (a long "1023.9 MiB" is not clipped at the edge). */
function valueAxisSize(values: string[] | null): number {
  const widest = Math.max(0, ...(values ?? []).map(labelWidth));
  return Math.max(40, Math.ceil(widest) + LABEL_GAP_PX);
}

function lastValue(values: Array<number | null>): number | null {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null && values[i] !== undefined) return values[i]!;
  return null;
}

export function TimeSeriesChart({ testId, title, t, series, format, yMax, height = 120 }: TimeSeriesChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const formatRef = useRef(format);
  formatRef.current = format;
  const shape = series.map((s) => `${s.label}|${s.stroke}`).join(',');

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: false },
      cursor: { show: true, drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, yMax ?? (max > 0 ? max * 1.1 : 1)] } },
      axes: [
        // Clock times only: uPlot's default adds a second row with the date, which a live view does not need.
        {
          stroke: '#6b7280',
          font: AXIS_FONT,
          grid: { stroke: '#eceef1' },
          ticks: { show: false },
          space: (_u, _axis, min, max) => timeTickSpace(min, max),
          values: (_u, splits) => splits.map(formatClock),
        },
        {
          stroke: '#6b7280',
          font: AXIS_FONT,
          grid: { stroke: '#eceef1' },
          ticks: { show: false },
          size: (_u, values) => valueAxisSize(values),
          values: (_u, splits) => splits.map((v) => formatRef.current(v)),
        },
      ],
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: 1.5, spanGaps: false, points: { show: false } }))],
    };
    const chart = new uPlot(opts, [[], ...series.map(() => [])] as uPlot.AlignedData, el);
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // Rebuilt only when the series change shape (`shape`), not on each new point.
  }, [shape, height, yMax]);

  useEffect(() => {
    plot.current?.setData([t.map((ms) => ms / 1000), ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [t, series]);

  const shown = series[0] ? series[0].values.filter((v) => v !== null).length : 0;
  return (
    <figure className="chart" data-testid={testId} data-points={t.length} data-values={shown}>
      <figcaption className="chart-header">
        <span className="chart-title">{title}</span>
        {series.map((s) => {
          const v = lastValue(s.values);
          return (
            <span key={s.label} className="chart-latest">
              <span className="chart-swatch" style={{ background: s.stroke }} />
              {s.label} {v === null ? '—' : format(v)}
            </span>
          );
        })}
      </figcaption>
      <div ref={container} className="chart-canvas" />
    </figure>
  );
}
