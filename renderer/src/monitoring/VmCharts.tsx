/** A VM's live charts (CPU, memory, disk, network) for its detail panel. */
import { useMemo } from 'react';
import { VM_SAMPLE_FIELDS, type VmSampleField } from '../../../preload/contract';
import { formatKiB } from '../format';
import { vmSeriesKey, type Series } from '../stores/monitoringStore';
import { TimeSeriesChart, type ChartSeries } from './TimeSeriesChart';
import { CHART_COLORS, formatPercent, formatRate } from './chartFormat';
import { IntervalSelect } from './IntervalSelect';
import { useSeries } from './useSeries';
import './monitoring.css';

const column = (series: Series | undefined, field: VmSampleField) => series?.values[VM_SAMPLE_FIELDS.indexOf(field)] ?? [];
const iops = (v: number) => `${Math.round(v)} IOPS`;

export function VmCharts({ hostId, uuid, active }: { hostId: string; uuid: string; active: boolean }) {
  const series = useSeries(vmSeriesKey(hostId, uuid));
  const t = series?.t ?? [];
  const charts = useMemo(() => {
    const pick = (field: VmSampleField, label: string, stroke: string): ChartSeries => ({ label, values: column(series, field), stroke });
    return {
      cpu: [pick('cpuPercent', 'CPU', CHART_COLORS[0])],
      memory: [pick('memActualKiB', 'actual', CHART_COLORS[0]), pick('memUsedKiB', 'used in guest', CHART_COLORS[1]), pick('memRssKiB', 'on host', CHART_COLORS[2])],
      disk: [pick('diskReadBps', 'read', CHART_COLORS[0]), pick('diskWriteBps', 'write', CHART_COLORS[1])],
      diskOps: [pick('diskReadIops', 'read', CHART_COLORS[0]), pick('diskWriteIops', 'write', CHART_COLORS[1])],
      network: [pick('netRxBps', 'rx', CHART_COLORS[0]), pick('netTxBps', 'tx', CHART_COLORS[1])],
    };
  }, [series]);

  return (
    <section className="detail-section charts" aria-label="Monitoring" data-testid="vm-charts">
      <div className="charts-header">
        <h3>Monitoring</h3>
        <IntervalSelect />
      </div>
      {!active && t.length === 0 && <p className="muted">No samples: the VM is not running.</p>}
      {series?.loading && <p className="muted">Loading history…</p>}
      <TimeSeriesChart testId="vm-chart-cpu" title="CPU (% of one host CPU)" t={t} series={charts.cpu} format={formatPercent} />
      <TimeSeriesChart testId="vm-chart-memory" title="Memory" t={t} series={charts.memory} format={(v) => formatKiB(v)} />
      <TimeSeriesChart testId="vm-chart-disk" title="Disk" t={t} series={charts.disk} format={formatRate} />
      <TimeSeriesChart testId="vm-chart-disk-ops" title="Disk operations" t={t} series={charts.diskOps} format={iops} />
      <TimeSeriesChart testId="vm-chart-network" title="Network" t={t} series={charts.network} format={formatRate} />
    </section>
  );
}

