/** The host page's acceleration: KVM only where the KVM probe started a guest (capabilities captured on the test bed). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostDetailsService, type HostDetailsReader } from './HostDetailsService';
import type { KvmVerdict } from './KvmProbe';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

function setup(verdict: KvmVerdict, capabilitiesXml = fixture('testbed-capabilities.xml')) {
  const domainCapabilityQueries: string[] = [];
  const probed: string[] = [];
  const reader: HostDetailsReader = {
    capabilitiesXml: async () => capabilitiesXml,
    domainCapabilitiesXml: async (_hostId, query) => {
      domainCapabilityQueries.push(query.domainType);
      return fixture('testbed-domcapabilities.xml');
    },
    node: async () => ({ cpus: 2, memoryKiB: 4_000_000, freeMemoryKiB: 3_000_000 }),
    storagePools: async () => [],
  };
  const service = new HostDetailsService(reader, { list: () => [] }, async (hostId, arch) => {
    probed.push(`${hostId}/${arch}`);
    return verdict;
  });
  return { service, domainCapabilityQueries, probed };
}

describe('HostDetailsService acceleration', () => {
  it('reports KVM where it is listed and the probe started a guest', async () => {
    const { service, domainCapabilityQueries, probed } = setup({ usable: true });
    const details = await service.details('h1');
    expect(details.acceleration).toBe('kvm');
    expect(details.kvmUnusable).toBeUndefined();
    expect(probed).toEqual(['h1/x86_64']);
    expect(domainCapabilityQueries).toEqual(['kvm']);
  });

  it("reports TCG with libvirt's reason where KVM is listed but the probe could not start a guest", async () => {
    const { service, domainCapabilityQueries } = setup({ usable: false, reason: 'failed to set MSR 0x10a to 0x69' });
    const details = await service.details('h1');
    expect(details).toMatchObject({ acceleration: 'tcg', kvmUnusable: 'failed to set MSR 0x10a to 0x69', domainTypes: ['qemu', 'kvm'] });
    // Firmware and features are those of the emulator guests will get.
    expect(domainCapabilityQueries).toEqual(['qemu']);
  });

  it('does not probe a host whose capabilities list no kvm', async () => {
    const withoutKvm = fixture('testbed-capabilities.xml').replace(/<domain type='kvm'\/>/g, '');
    expect(withoutKvm).not.toContain("<domain type='kvm'");
    const { service, probed } = setup({ usable: true }, withoutKvm);
    expect((await service.details('h1')).acceleration).toBe('tcg');
    expect(probed).toEqual([]);
  });
});
