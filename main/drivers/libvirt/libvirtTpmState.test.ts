import { describe, expect, it } from 'vitest';
import { swtpmStateFolder } from './libvirtTpmState';

describe("swtpm's state folder", () => {
  it("is libvirt's: the system daemon's /var/lib/libvirt/swtpm, per VM and TPM version", () => {
    const uuid = '7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100001';
    expect(swtpmStateFolder('qemu:///system', uuid, { version: '2.0' })).toBe(`/var/lib/libvirt/swtpm/${uuid}/tpm2`);
    expect(swtpmStateFolder('qemu+tcp://127.0.0.2:16510/system', uuid, { version: '1.2' })).toBe(`/var/lib/libvirt/swtpm/${uuid}/tpm1.2`);
    expect(swtpmStateFolder('qemu:///session', uuid, { version: '2.0' })).toMatch(new RegExp(`/libvirt/qemu/swtpm/${uuid}/tpm2$`));
  });
});
