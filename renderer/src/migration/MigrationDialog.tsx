/**
 * Migrate one VM: destination, live or offline, shared or copied storage, bandwidth, max downtime. Every
 * change, and the end of any other job on the VM, re-runs `migration.check`, whose blockers (each explained)
 * keep Start disabled; once started, the job's progress (processed / remaining, dirty rate, expected
 * downtime) with Cancel, then the final report.
 */
import { useEffect, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { MigrationCheckResult, MigrationOptions } from '../../../preload/api/migration';
import { MigrationReportSchema } from '../../../preload/api/migration';
import type { VmSummary } from '../../../preload/contract';
import { formatBytes } from '../format';
import { formatMs } from '../jobs/jobFigures';
import { JobProgress } from '../jobs/JobProgress';
import { endedJobsOfVm } from '../jobs/jobsOfVm';
import { useHosts, useJobs, useStores } from '../stores/StoresContext';
import { describeError } from '../stores/toastStore';
import './migration.css';

type Storage = NonNullable<MigrationOptions['storage']>;

/** Above this, the user raises QEMU's own default cap of 128 MiB/s. */
const QEMU_DEFAULT_CAP_MIBS = 128;

/** The open migration dialog, if any (rendered once by the shell). */
export function MigrationDialogHost() {
  const { migration } = useStores();
  const vm = useStore(migration, (state) => state.dialogVm);
  if (!vm) return null;
  return <MigrationDialog key={`${vm.hostId}/${vm.uuid}`} vm={vm} onClose={() => migration.getState().closeDialog()} />;
}

export function MigrationDialog({ vm, onClose }: { vm: VmSummary; onClose: () => void }) {
  const { migration } = useStores();
  const destinations = useHosts(
    useShallow((state) => Object.values(state.hosts).filter((h) => h.id !== vm.hostId && h.kind === 'libvirt' && h.status === 'connected')),
  );
  const sourceName = useHosts((state) => state.hosts[vm.hostId]?.name ?? vm.hostId);
  const [destinationHostId, setDestination] = useState(destinations[0]?.id ?? '');
  const [mode, setMode] = useState<'live' | 'offline'>(vm.state === 'shutoff' ? 'offline' : 'live');
  const [storage, setStorage] = useState<Storage>('shared');
  const [allowUnsafe, setAllowUnsafe] = useState(false);
  const [bandwidth, setBandwidth] = useState('');
  const [maxDowntime, setMaxDowntime] = useState('');
  const [check, setCheck] = useState<{ result?: MigrationCheckResult; error?: string; checking: boolean }>({ checking: false });
  const [jobId, setJobId] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const job = useJobs((state) => (jobId ? state.jobs[jobId] : undefined));
  // A blocker such as a checkpoint take on this VM ends with its job: check again then.
  const endedJobs = useJobs((state) => endedJobsOfVm(state.jobs, vm.uuid, jobId));

  const bandwidthMiBs = bandwidth.trim() === '' ? undefined : Number(bandwidth);
  const maxDowntimeMs = maxDowntime.trim() === '' ? undefined : Number(maxDowntime);
  const inputError =
    bandwidthMiBs !== undefined && !(Number.isInteger(bandwidthMiBs) && bandwidthMiBs >= 1)
      ? 'Bandwidth is a whole number of MiB/s, at least 1.'
      : maxDowntimeMs !== undefined && !(Number.isInteger(maxDowntimeMs) && maxDowntimeMs >= 1)
        ? 'Max downtime is a whole number of milliseconds, at least 1.'
        : null;

  const options = useMemo<MigrationOptions | null>(
    () =>
      destinationHostId && !inputError
        ? {
            destinationHostId,
            mode,
            storage,
            allowUnsafe,
            ...(bandwidthMiBs !== undefined ? { bandwidthMiBs } : {}),
            ...(maxDowntimeMs !== undefined ? { maxDowntimeMs } : {}),
          }
        : null,
    [destinationHostId, mode, storage, allowUnsafe, bandwidthMiBs, maxDowntimeMs, inputError],
  );

  useEffect(() => {
    if (!options || jobId) return;
    let current = true;
    setCheck((c) => ({ ...c, checking: true }));
    const timer = setTimeout(() => {
      migration.getState().check(vm, options).then(
        (result) => current && setCheck({ result, checking: false }),
        (error: unknown) => current && setCheck({ error: describeError(error).message, checking: false }),
      );
    }, 150);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [migration, options, vm, jobId, endedJobs]);

  const start = async () => {
    if (!options) return;
    setStarting(true);
    const started = await migration.getState().start(vm, vm.name, options);
    setStarting(false);
    if (started) setJobId(started);
  };

  const report = job?.state === 'succeeded' ? MigrationReportSchema.safeParse(job.result) : undefined;
  const destinationName = destinations.find((d) => d.id === destinationHostId)?.name ?? destinationHostId;

  return (
    <div className="dialog-backdrop" onKeyDown={(e) => e.key === 'Escape' && !jobId && onClose()}>
      <div className="dialog migration-dialog" role="dialog" aria-modal="true" aria-labelledby="migration-title" data-testid="migration-dialog">
        <h2 id="migration-title">
          Migrate {vm.name} <span className="muted">from {sourceName}</span>
        </h2>

        {!jobId && (
          <form
            className="migration-form"
            onSubmit={(e) => {
              e.preventDefault();
              void start();
            }}
          >
            {destinations.length === 0 ? (
              <p className="migration-blocker" role="alert">
                No other connected libvirt host: add or reconnect one to migrate to it.
              </p>
            ) : (
              <label>
                Destination
                <select data-testid="migration-destination" value={destinationHostId} onChange={(e) => setDestination(e.target.value)}>
                  {destinations.map((h) => (
                    <option key={h.id} value={h.id}>
                      {h.name}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <fieldset>
              <legend>Mode</legend>
              <label>
                <input type="radio" name="mode" checked={mode === 'live'} onChange={() => setMode('live')} /> Live (keeps running)
              </label>
              <label>
                <input type="radio" name="mode" checked={mode === 'offline'} onChange={() => setMode('offline')} /> Offline (paused or stopped)
              </label>
            </fieldset>
            <label>
              Storage
              <select data-testid="migration-storage" value={storage} onChange={(e) => setStorage(e.target.value as Storage)}>
                <option value="shared">Shared: both hosts see the disks</option>
                <option value="copy-all">Copy the disks</option>
                <option value="copy-incremental">Copy the disks (incremental, over a shared backing image)</option>
              </select>
            </label>
            {storage === 'shared' && (
              <label className="inline">
                <input type="checkbox" data-testid="migration-unsafe" checked={allowUnsafe} onChange={(e) => setAllowUnsafe(e.target.checked)} />
                Both hosts see the same disk files, though libvirt cannot tell (allow unsafe)
              </label>
            )}
            <label>
              Bandwidth cap, MiB/s
              <input
                type="number"
                min={1}
                inputMode="numeric"
                placeholder="no cap"
                data-testid="migration-bandwidth"
                value={bandwidth}
                onChange={(e) => setBandwidth(e.target.value)}
              />
              {bandwidthMiBs !== undefined && bandwidthMiBs > QEMU_DEFAULT_CAP_MIBS && (
                <span className="muted"> above QEMU&apos;s default cap of {QEMU_DEFAULT_CAP_MIBS} MiB/s</span>
              )}
            </label>
            <label>
              Max downtime, ms
              <input
                type="number"
                min={1}
                inputMode="numeric"
                placeholder="hypervisor default"
                data-testid="migration-downtime"
                value={maxDowntime}
                onChange={(e) => setMaxDowntime(e.target.value)}
              />
            </label>

            <div className="migration-check" aria-live="polite" data-testid="migration-check">
              {inputError && <p className="migration-blocker">{inputError}</p>}
              {check.checking && <p className="muted">Checking {destinationName}…</p>}
              {check.error && <p className="migration-blocker">The check failed: {check.error}</p>}
              {!check.checking && check.result?.blockers.map((b) => (
                <p key={b.code + b.message} className="migration-blocker" data-testid={`blocker-${b.code}`}>
                  {b.message}
                </p>
              ))}
              {!check.checking && check.result?.warnings.map((w) => (
                <p key={w.code + w.message} className="migration-warning" data-testid={`warning-${w.code}`}>
                  {w.message}
                </p>
              ))}
              {!check.checking && check.result?.ok && <p className="migration-ok">Ready to migrate to {destinationName}.</p>}
            </div>

            <div className="dialog-actions">
              <button type="button" className="btn" onClick={onClose}>
                Close
              </button>
              <button
                type="submit"
                className="btn btn-primary"
                data-testid="migration-start"
                disabled={!options || check.checking || !check.result?.ok || starting}
              >
                {starting ? 'Starting…' : 'Start migration'}
              </button>
            </div>
          </form>
        )}

        {job && <JobProgress job={job} />}
        {report?.success && (
          <dl className="migration-report" data-testid="migration-report">
            <div>
              <dt>Total time</dt>
              <dd data-testid="report-total">{formatMs(report.data.totalTimeMs)}</dd>
            </div>
            <div>
              <dt>Downtime (QEMU)</dt>
              <dd data-testid="report-downtime">{report.data.downtimeMs === undefined ? 'not reported' : formatMs(report.data.downtimeMs)}</dd>
            </div>
            {report.data.observedPauseMs !== undefined && (
              <div>
                <dt title="From the source host's 'suspended: migrated' event to the destination's 'resumed: migrated' event">Pause seen by the hosts</dt>
                <dd data-testid="report-pause">{formatMs(report.data.observedPauseMs)}</dd>
              </div>
            )}
            {report.data.dataTransferred !== undefined && (
              <div>
                <dt>Data transferred</dt>
                <dd>{formatBytes(report.data.dataTransferred)}</dd>
              </div>
            )}
            {report.data.iterations !== undefined && (
              <div>
                <dt>Memory passes</dt>
                <dd>{report.data.iterations}</dd>
              </div>
            )}
          </dl>
        )}
        {jobId && (
          <div className="dialog-actions">
            <button type="button" className="btn" data-testid="migration-close" onClick={onClose}>
              {job && ['succeeded', 'failed', 'cancelled'].includes(job.state) ? 'Close' : 'Hide (keeps running)'}
            </button>
          </div>
        )}
      </div>
    </div>
  );
}
