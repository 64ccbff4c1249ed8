import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors';
import { chipsetsOf, domainFeaturesOf, guestArchesOf, hostOfferFrom } from './hostCapabilities';
import { GiB } from './units';

// Real answers of libvirt 9.0 / QEMU 7.2 on a Debian 12 machine with ovmf and swtpm (see fixtures/libvirt/README.md).
const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', 'libvirt', name), 'utf8');
const capabilities = fixture('capabilities.xml');
const q35 = fixture('domcapabilities-x86_64-kvm-q35.xml');
const pc = fixture('domcapabilities-x86_64-kvm-pc.xml');

describe('guestArchesOf', () => {
  it('lists the hvm arches with their kvm/qemu domain types', () => {
    expect(guestArchesOf(capabilities)).toEqual([
      { arch: 'i686', domainTypes: ['kvm', 'qemu'] },
      { arch: 'x86_64', domainTypes: ['kvm', 'qemu'] },
    ]);
  });

  it('ignores arches and domain types Tandem does not provision', () => {
    const xml = `<capabilities><host/>
      <guest><os_type>hvm</os_type><arch name='x86_64'><domain type='qemu'/></arch></guest>
      <guest><os_type>hvm</os_type><arch name='sparc'><domain type='qemu'/></arch></guest>
      <guest><os_type>xen</os_type><arch name='aarch64'><domain type='xen'/></arch></guest>
      <guest><os_type>hvm</os_type><arch name='aarch64'><domain type='lxc'/></arch></guest></capabilities>`;
    expect(guestArchesOf(xml)).toEqual([{ arch: 'x86_64', domainTypes: ['qemu'] }]);
  });

  it("keeps libvirt's test driver (the demo host) as a simulated host", () => {
    const xml = `<capabilities><host/><guest><os_type>hvm</os_type><arch name='x86_64'><domain type='test'/></arch></guest></capabilities>`;
    expect(guestArchesOf(xml)).toEqual([{ arch: 'x86_64', domainTypes: ['test'] }]);
    const offer = hostOfferFrom({
      hostId: 'demo',
      hostName: 'Demo',
      capabilitiesXml: xml,
      domainCapabilitiesXml: [],
      cpus: 16,
      totalMemoryBytes: 8 * GiB,
      freeMemoryBytes: 6 * 2 ** 20,
      pools: [],
      networks: [],
      images: [],
      isoVolumes: [],
    });
    expect(offer.freeMemoryBytes).toBe(8 * GiB);
    expect(offer).toMatchObject({
      guestArches: ['x86_64', 'aarch64', 'i686', 'ppc64le', 's390x', 'armv7l'],
      kvmArches: [],
      simulated: true,
      firmware: { uefi: false, secureBoot: false },
      tpmEmulator: false,
    });
  });

  it("reads each arch's chipsets from its machine types: none known for the test driver, none for an arch without x86 ones", () => {
    expect(chipsetsOf(capabilities)).toEqual({ i686: ['pc', 'q35'], x86_64: ['pc', 'q35'] });
    // A QEMU built without i440fx (its q35 machines only), and aarch64's "virt": the request's chipset is judged against these.
    const xml = `<capabilities><host/>
      <guest><os_type>hvm</os_type><arch name='x86_64'><machine>pc-q35-9.0</machine><machine canonical='pc-q35-9.0'>q35</machine><machine>isapc</machine><domain type='qemu'/></arch></guest>
      <guest><os_type>hvm</os_type><arch name='aarch64'><machine>virt-9.0</machine><domain type='qemu'/></arch></guest>
      <guest><os_type>hvm</os_type><arch name='i686'><domain type='qemu'><machine>pc-i440fx-9.0</machine></domain></arch></guest></capabilities>`;
    expect(chipsetsOf(xml)).toEqual({ x86_64: ['q35'], aarch64: [], i686: ['pc'] });
    const facts = { hostId: 'h', hostName: 'h', domainCapabilitiesXml: [], cpus: 4, totalMemoryBytes: 8 * GiB, freeMemoryBytes: 4 * GiB, pools: [], networks: [], images: [], isoVolumes: [] };
    expect(hostOfferFrom({ ...facts, capabilitiesXml: xml }).chipsets).toEqual({ x86_64: ['q35'], aarch64: [], i686: ['pc'] });
    const demo = `<capabilities><host/><guest><os_type>hvm</os_type><arch name='i686'><domain type='test'/></arch></guest></capabilities>`;
    expect(hostOfferFrom({ ...facts, capabilitiesXml: demo })).not.toHaveProperty('chipsets');
  });

  it('refuses what is not capabilities XML', () => {
    expect(() => guestArchesOf('<domain/>')).toThrow(InvalidInputError);
    expect(() => guestArchesOf('<capabilities')).toThrow(/not well-formed/);
  });
});

describe('domainFeaturesOf', () => {
  it('reads OVMF with Secure Boot, swtpm and graphics on q35', () => {
    expect(domainFeaturesOf(q35)).toEqual({
      arch: 'x86_64',
      domainType: 'kvm',
      machine: 'pc-q35-7.2',
      maxVcpus: 288,
      uefi: true,
      secureBoot: true,
      tpmEmulator: true,
      graphics: ['vnc', 'spice'],
    });
  });

  it('sees no Secure Boot on the pc machine, with the same firmware installed', () => {
    expect(domainFeaturesOf(pc)).toMatchObject({ machine: 'pc-i440fx-7.2', uefi: true, secureBoot: false });
  });

  it('sees no UEFI when no firmware is installed, and no TPM emulator without swtpm', () => {
    const bare = q35
      .replace(/<enum name='firmware'>[\s\S]*?<\/enum>/, "<enum name='firmware'/>")
      .replace(/(<loader supported=')yes('>)\s*<value>[^<]*<\/value>/, '$1no$2')
      .replace('<value>emulator</value>', '');
    expect(domainFeaturesOf(bare)).toMatchObject({ uefi: false, secureBoot: false, tpmEmulator: false });
  });
});

describe('hostOfferFrom', () => {
  it('combines libvirt answers with the node facts', () => {
    const offer = hostOfferFrom({
      hostId: 'h1',
      hostName: 'lab-1',
      capabilitiesXml: capabilities,
      domainCapabilitiesXml: [pc, q35],
      cpus: 16,
      totalMemoryBytes: 64 * GiB,
      freeMemoryBytes: 40 * GiB,
      pools: [{ name: 'default', active: true, capacityBytes: 100 * GiB, freeBytes: 60 * GiB }],
      networks: [{ name: 'default', active: true, forward: 'nat' }],
      images: [],
      isoVolumes: [],
    });
    expect(offer).toMatchObject({
      guestArches: ['i686', 'x86_64'],
      kvmArches: ['i686', 'x86_64'],
      firmware: { uefi: true, secureBoot: true },
      tpmEmulator: true,
      graphics: ['vnc', 'spice'],
    });
    expect(offer.kvmUnusable).toBeUndefined();
  });

  it('offers no KVM arch where the KVM probe could not start a guest, and says why', () => {
    const offer = hostOfferFrom({
      hostId: 'h1',
      hostName: 'nested',
      capabilitiesXml: capabilities,
      domainCapabilitiesXml: [q35],
      cpus: 2,
      totalMemoryBytes: 8 * GiB,
      freeMemoryBytes: 6 * GiB,
      pools: [],
      networks: [],
      images: [],
      isoVolumes: [],
      kvmUnusable: 'failed to set MSR 0x10a to 0x69',
    });
    expect(offer).toMatchObject({ guestArches: ['i686', 'x86_64'], kvmArches: [], kvmUnusable: 'failed to set MSR 0x10a to 0x69' });
  });
});
