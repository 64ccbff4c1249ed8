/**
 * The host offer from a real libvirt: the embedded QEMU driver (qemu:///embed, no daemon) of this machine,
 * through Tandem's binding. What it reports must agree with the packages installed here (scripts/setup.sh
 * and scripts/testbed/install-deps.sh install ovmf and swtpm).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainFeaturesOf, guestArchesOf } from '../../main/core/provisioning/hostCapabilities';
import { openConnection, type Connection } from '../../native-helpers/libvirt/lib';

describe('host offer from the embedded QEMU driver', () => {
  let root: string;
  let conn: Connection;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tandem-embed-'));
    conn = await openConnection(`qemu:///embed?root=${root}`);
  });
  afterAll(async () => {
    await conn?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('finds x86_64 guests, and KVM exactly when /dev/kvm is there', async () => {
    const arches = guestArchesOf(await conn.getCapabilities());
    const x86 = arches.find((a) => a.arch === 'x86_64');
    expect(x86?.domainTypes).toContain('qemu');
    expect(x86?.domainTypes.includes('kvm')).toBe(existsSync('/dev/kvm'));
  });

  it('finds OVMF with Secure Boot on q35 and the swtpm backend, as installed', async () => {
    for (const path of ['/usr/share/OVMF/OVMF_CODE_4M.secboot.fd', '/usr/bin/swtpm']) {
      expect(existsSync(path), `${path} missing: scripts/testbed/install-deps.sh installs ovmf and swtpm`).toBe(true);
    }
    const features = domainFeaturesOf(await conn.getDomainCapabilities(null, 'x86_64', 'q35', 'qemu'));
    expect(features).toMatchObject({ arch: 'x86_64', domainType: 'qemu', uefi: true, secureBoot: true, tpmEmulator: true });
    expect(features.graphics).toContain('vnc');
  });

  it('finds no Secure Boot on the pc machine (it has no SMM)', async () => {
    const features = domainFeaturesOf(await conn.getDomainCapabilities(null, 'x86_64', 'pc', 'qemu'));
    expect(features).toMatchObject({ uefi: true, secureBoot: false });
  });
});
