import { formatBytes, formatKiB, hostStatusLabel } from '../format';
import { HostCharts } from '../monitoring/HostCharts';
import { HostNetworks } from '../networks/HostNetworks';
import { useHostPage, useHosts, useStores } from '../stores/StoresContext';

/**
 * One host: status, capabilities (arch, CPU, KVM or TCG, firmware, confidential computing), resources,
 * storage pools and running VMs. Read with `hosts.details` when opened and on demand.
 */
export function HostPage() {
  const { hostPage } = useStores();
  const hostId = useHostPage((state) => state.openHostId);
  const details = useHostPage((state) => state.details);
  const loading = useHostPage((state) => state.loading);
  const error = useHostPage((state) => state.error);
  const host = useHosts((state) => (hostId ? state.hosts[hostId] : undefined));
  if (!hostId || !host) return null;

  return (
    <section className="host-page" data-testid="host-page" aria-label={`Host ${host.name}`}>
      <header className="host-page-header">
        <button type="button" className="btn btn-small" data-testid="host-page-close" onClick={() => hostPage.getState().close()}>
          ← Virtual machines
        </button>
        <h1 className="host-page-title">{host.name}</h1>
        <span className={`host-status status-${host.status}`} data-testid="host-page-status">
          <span className="status-dot" aria-hidden="true" />
          {hostStatusLabel(host.status)}
          {host.statusReason && host.status !== 'connected' ? `: ${host.statusReason}` : ''}
        </span>
        <button type="button" className="btn btn-small" disabled={loading} onClick={() => void hostPage.getState().reload()}>
          {loading ? 'Reading…' : 'Refresh'}
        </button>
      </header>
      <p className="host-uri">{host.uri}</p>
      {error && (
        <p className="field-error" role="alert" data-testid="host-page-error">
          {error}
        </p>
      )}
      {details && (
        <div className="host-page-grid">
          <dl className="host-facts" data-testid="host-capabilities">
            <dt>Architecture</dt>
            <dd data-testid="host-arch">{details.arch}</dd>
            <dt>CPU</dt>
            <dd data-testid="host-cpu">{[details.cpuVendor, details.cpuModel].filter(Boolean).join(' ') || '—'}</dd>
            <dt>Virtualization</dt>
            <dd data-testid="host-acceleration">
              {details.acceleration === 'kvm'
                ? 'KVM (hardware accelerated)'
                : details.kvmUnusable
                  ? `TCG (emulation): KVM listed but unusable: ${details.kvmUnusable}`
                  : 'TCG (emulation, no KVM)'}
            </dd>
            <dt>Firmware</dt>
            <dd data-testid="host-firmware">
              {details.firmware
                ? `${details.firmware.efi ? 'UEFI' : 'BIOS only'}${details.firmware.secureBoot ? ', Secure Boot' : ''}${
                    details.firmware.paths.length ? ` (${details.firmware.paths.length} images)` : ''
                  }`
                : 'not reported by this host'}
            </dd>
            <dt>Confidential VMs</dt>
            <dd data-testid="host-confidential">
              {details.confidential
                ? (['sev', 'tdx', 'sgx'] as const)
                    .map((k) => `${k.toUpperCase()} ${details.confidential![k] ? 'yes' : 'no'}`)
                    .join(' · ')
                : 'not reported by this host'}
            </dd>
            <dt>CPUs</dt>
            <dd data-testid="host-cpus">{details.cpus}</dd>
            <dt>Memory</dt>
            <dd data-testid="host-memory">
              {formatKiB(details.freeMemoryKiB)} free of {formatKiB(details.memoryKiB)}
            </dd>
          </dl>
          <div>
            <h2 className="host-page-heading">Storage pools</h2>
            <table className="host-pools" data-testid="host-pools">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>State</th>
                  <th>Capacity</th>
                  <th>Allocated</th>
                  <th>Available</th>
                </tr>
              </thead>
              <tbody>
                {details.pools.map((pool) => (
                  <tr key={pool.name} data-testid={`host-pool-${pool.name}`}>
                    <td>{pool.name}</td>
                    <td>{pool.state}</td>
                    <td>{formatBytes(pool.capacityBytes)}</td>
                    <td>{formatBytes(pool.allocationBytes)}</td>
                    <td>{formatBytes(pool.availableBytes)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {details.pools.length === 0 && <p className="muted">No storage pools.</p>}
            <h2 className="host-page-heading">Running VMs ({details.runningVms.length})</h2>
            <ul className="host-running" data-testid="host-running-vms">
              {details.runningVms.map((vm) => (
                <li key={vm.uuid}>{vm.name}</li>
              ))}
            </ul>
          </div>
        </div>
      )}
      <HostNetworks key={`networks-${hostId}`} hostId={hostId} hostName={host.name} connected={host.status === 'connected'} />
      <div className="host-page-charts" data-testid="host-charts">
        <HostCharts key={hostId} hostId={hostId} />
      </div>
    </section>
  );
}
