/**
 * A host's live charts (CPU %, memory). Self-contained: give it a host id and put it anywhere inside the
 * StoresProvider (the host page embeds it; the VM list shows it for the host selected in the sidebar).
 */
import { useMemo } from 'react';
import { HOST_SAMPLE_FIELDS, type HostSampleField } from '../../../preload/contract';
import { formatKiB } from '../format';
import { hostSeriesKey, type Series } from '../stores/monitoringStore';
import { TimeSeriesChart, type ChartSeries } from './TimeSeriesChart';
import { CHART_COLORS, formatPercent } from './chartFormat';
import { useSeries } from './useSeries';
import './monitoring.css';

const column = (series: Series | undefined, field: HostSampleField) => series?.values[HOST_SAMPLE_FIELDS.indexOf(field)] ?? [];

export function HostCharts({ hostId }: { hostId: string }) {
  const series = useSeries(hostSeriesKey(hostId));
  const t = series?.t ?? [];
  const charts = useMemo(() => {
    const pick = (field: HostSampleField, label: string, stroke: string): ChartSeries => ({ label, values: column(series, field), stroke });
    return {
      cpu: [pick('cpuPercent', 'CPU', CHART_COLORS[0])],
      memory: [pick('memUsedKiB', 'used', CHART_COLORS[0]), pick('memTotalKiB', 'total', CHART_COLORS[2])],
    };
  }, [series]);
  return (
    <section className="host-charts" aria-label="Host monitoring" data-testid={`host-charts-${hostId}`}>
      <TimeSeriesChart testId="host-chart-cpu" title="Host CPU" t={t} series={charts.cpu} format={formatPercent} yMax={100} height={90} />
      <TimeSeriesChart testId="host-chart-memory" title="Host memory" t={t} series={charts.memory} format={(v) => formatKiB(v)} height={90} />
    </section>
  );
}
