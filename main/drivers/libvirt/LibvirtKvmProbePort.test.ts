/**
 * The probe port on libvirt's test driver, for what needs no QEMU: a connection that may not create domains
 * (read-only here; libvirt's access control refuses the same way) is told apart from a failed start. The
 * probe against real daemons and QEMU: test/integration/testbed/kvmProbe.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection, type Connection } from '../../../native-helpers/libvirt/lib/index';
import { KVM_PROBE_NAME_PREFIX, kvmProbeDomainXml } from '../../core/hosts/KvmProbe';
import { destroyTransientDomainsNamed, startPausedAndDestroy } from './LibvirtKvmProbePort';

const testDomainXml = (name: string) => kvmProbeDomainXml(name, 'x86_64').replace("type='kvm'", "type='test'");

describe('LibvirtKvmProbePort on libvirt\'s test driver', () => {
  let readOnly: Connection;
  let readWrite: Connection;
  beforeAll(async () => {
    readOnly = await openConnection('test:///default', { readOnly: true });
    readWrite = await openConnection('test:///default');
  });
  afterAll(async () => {
    await readOnly.close();
    await readWrite.close();
  });

  it('a read-only connection is denied, which is no verdict on KVM (not a failed start)', async () => {
    const outcome = await startPausedAndDestroy(readOnly, testDomainXml(`${KVM_PROBE_NAME_PREFIX}ro`));
    expect(outcome).toEqual({ denied: expect.stringMatching(/read only/) });
  });

  it('a start the hypervisor refuses (the test driver has no paused start) is a failed start with its reason, and leaves nothing', async () => {
    const outcome = await startPausedAndDestroy(readWrite, testDomainXml(`${KVM_PROBE_NAME_PREFIX}rw`));
    expect(outcome).toEqual({ started: false, reason: expect.stringMatching(/unsupported flags/) });
    expect(await destroyTransientDomainsNamed(readWrite, KVM_PROBE_NAME_PREFIX)).toEqual([]);
  });
});
