/** The capability parsers against XML captured from the QEMU test bed (libvirt 9.0, QEMU 7.2, x86_64). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors';
import { parseDomainCapabilities, parseHostCapabilities } from './HostCapabilities';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

describe('parseHostCapabilities', () => {
  it('reads arch, CPU and the domain types and machines offered for the host arch', () => {
    const caps = parseHostCapabilities(fixture('testbed-capabilities.xml'));
    expect(caps).toMatchObject({ arch: 'x86_64', cpuModel: 'kvm64', cpuVendor: 'AMD' });
    expect(caps.domainTypes).toEqual(['qemu', 'kvm']);
    expect(caps.machines).toContain('q35');
    expect(caps.machines).toContain('pc-q35-7.2');
  });

  it('refuses malformed XML with a typed error', () => {
    expect(() => parseHostCapabilities('<capabilities><host>')).toThrow(InvalidInputError);
  });
});

describe('parseDomainCapabilities', () => {
  it('reads UEFI firmware images, Secure Boot and confidential-computing support', () => {
    const caps = parseDomainCapabilities(fixture('testbed-domcapabilities.xml'));
    expect(caps).toMatchObject({ domainType: 'kvm', machine: 'pc-q35-7.2', efi: true, secureBoot: true, sev: false, sgx: false, tdx: false });
    expect(caps.firmwarePaths).toEqual([
      '/usr/share/OVMF/OVMF_CODE_4M.ms.fd',
      '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd',
      '/usr/share/OVMF/OVMF_CODE_4M.fd',
    ]);
    expect(caps.hostCpuModel).toBe('kvm64');
  });

  it('sees SEV and TDX when libvirt reports them supported, and no firmware when the loader is not', () => {
    const xml = `<domainCapabilities><domain>kvm</domain><os supported='yes'><loader supported='no'/></os>
      <features><sev supported='yes'><cbitpos>47</cbitpos></sev><tdx supported='yes'/></features></domainCapabilities>`;
    expect(parseDomainCapabilities(xml)).toMatchObject({ efi: false, firmwarePaths: [], secureBoot: false, sev: true, tdx: true, sgx: false });
  });
});
