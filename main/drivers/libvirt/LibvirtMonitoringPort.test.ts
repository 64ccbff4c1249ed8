import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostUnreachableError } from '../../core/errors';
import { HostManager } from '../../core/hosts/HostManager';
import { KVM_PROBE_NAME_PREFIX, kvmProbeDomainXml } from '../../core/hosts/KvmProbe';
import { LibvirtHostDriver, libvirtConnectionOf } from './LibvirtHostDriver';
import { LibvirtMonitoringPort, vmCounters } from './LibvirtMonitoringPort';

const DEMO = `test://${join(resolve(import.meta.dirname, '..', '..', '..'), 'assets', 'demo-host.xml')}`;

describe('vmCounters', () => {
  it('reads libvirt bulk-stats keys and sums disks and interfaces', () => {
    const counters = vmCounters('u', {
      'state.state': 1,
      'cpu.time': 5e9,
      'vcpu.current': 2,
      'balloon.current': 131072,
      'balloon.rss': 90000,
      'block.count': 2,
      'block.0.rd.bytes': 100,
      'block.1.rd.bytes': 50,
      'block.0.wr.reqs': 3,
      'net.count': 1,
      'net.0.rx.bytes': 7,
      'net.0.tx.bytes': 9,
    });
    expect(counters).toEqual({
      uuid: 'u',
      state: 'running',
      cpuTimeNs: 5e9,
      vcpus: 2,
      balloonCurrentKiB: 131072,
      balloonAvailableKiB: undefined,
      balloonUnusedKiB: undefined,
      rssKiB: 90000,
      diskReadBytes: 150,
      diskWriteBytes: undefined,
      diskReadReqs: undefined,
      diskWriteReqs: 3,
      netRxBytes: 7,
      netTxBytes: 9,
    });
  });
});

describe('LibvirtMonitoringPort on libvirt\'s test driver', () => {
  const hosts = new HostManager({ drivers: [new LibvirtHostDriver()] });
  const port = new LibvirtMonitoringPort(hosts);
  let hostId: string;

  beforeAll(async () => {
    hostId = (await hosts.add(DEMO)).id;
  });
  afterAll(() => hosts.dispose());

  it('reads the running domains and the node total, leaving out what the driver does not report', async () => {
    const read = await port.read(hostId);
    expect(read.vms.map((v) => v.state).every((s) => s === 'running' || s === 'paused')).toBe(true);
    expect(read.vms).toHaveLength(4); // the demo host's running and paused VMs; shut-off ones have no stats
    expect(read.memory).toEqual({ totalKiB: expect.any(Number) }); // no node memory stats in the test driver
    expect(read.vms[0]!.cpuTimeNs).toBeUndefined();
    // The unsupported call is not asked again: a second read works the same.
    expect((await port.read(hostId)).vms).toHaveLength(4);
  });

  it("leaves out Tandem's KVM probe domain, which runs on the host for a moment", async () => {
    const conn = libvirtConnectionOf(hosts.session(hostId));
    const probe = await conn.createDomainXML(kvmProbeDomainXml(`${KVM_PROBE_NAME_PREFIX}monitoring`, 'x86_64').replace("type='kvm'", "type='test'"));
    try {
      const read = await port.read(hostId);
      expect(read.vms).toHaveLength(4);
      expect(read.vms.map((v) => v.uuid)).not.toContain(probe.getUUIDString());
    } finally {
      await probe.destroy();
      probe.free();
    }
  });

  it('a host without a session is HostUnreachable', async () => {
    await expect(port.read('no-such-host')).rejects.toThrow(/No host/);
    const down = hosts.register({ uri: 'qemu+tcp://127.0.0.1:1/system', kind: 'libvirt', persisted: false });
    await expect(port.read(down.id)).rejects.toBeInstanceOf(HostUnreachableError);
  });
});
