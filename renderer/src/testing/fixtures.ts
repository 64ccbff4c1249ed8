/** Sample contract values for the renderer's unit tests. */
import type { HostSummary, VmDetail, VmSummary } from '../../../preload/contract';

let uuidCounter = 0;
export function testUuid(): string {
  uuidCounter++;
  return `00000000-0000-4000-8000-${uuidCounter.toString(16).padStart(12, '0')}`;
}

export function host(overrides: Partial<HostSummary> = {}): HostSummary {
  return { id: 'demo', name: 'Demo', uri: 'test:///default', kind: 'demo', status: 'connected', ...overrides };
}

export function vm(overrides: Partial<VmSummary> = {}): VmSummary {
  return {
    hostId: 'demo',
    uuid: testUuid(),
    name: 'vm',
    state: 'shutoff',
    stateReason: 'unknown',
    vcpus: 1,
    memoryKiB: 524288,
    persistent: true,
    ...overrides,
  };
}

export function vmDetail(summary: VmSummary, overrides: Partial<VmDetail> = {}): VmDetail {
  return {
    ...summary,
    osType: 'hvm',
    arch: 'x86_64',
    machine: 'pc',
    domainType: 'test',
    autostart: false,
    disks: [],
    nics: [],
    graphics: [],
    xml: `<domain><name>${summary.name}</name></domain>`,
    ...overrides,
  };
}
