/** HardwareEditor's order of work and reporting, with a scripted port that records every call. */
import { describe, expect, it } from 'vitest';
import { OperationFailedError } from '../errors';
import { HardwareEditor, REMOVAL_PENDING_NOTE, type VmHardwarePort } from './HardwareEditor';

const XML = `<domain type="kvm"><name>web</name><uuid>7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100001</uuid>
<memory unit="MiB">1024</memory><currentMemory unit="MiB">1024</currentMemory><vcpu current="1">2</vcpu>
<os><type arch="x86_64" machine="pc">hvm</type><boot dev="hd"/></os>
<devices><disk type="file" device="disk"><source file="/img/web.qcow2"/><target dev="vda" bus="virtio"/><alias name="virtio-disk0"/></disk>
<interface type="network"><mac address="52:54:00:00:00:01"/><source network="default"/></interface></devices></domain>`;
const UUID = '7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100001';

interface PortOptions {
  active?: boolean;
  persistent?: boolean;
  failLive?: string[];
  failDefine?: boolean;
  failAutostart?: boolean;
  /** Whether libvirt reports a detached device removed within the wait (its device-removed event); default yes. */
  removalConfirmed?: boolean;
  /** The live XML once a detach returned (default: unchanged, the guest still has the device). */
  liveAfterDetach?: string;
}

function scriptedPort(options: PortOptions = {}) {
  const calls: string[] = [];
  let config = XML;
  let live = XML;
  const refuse = (what: string) => {
    calls.push(what);
    if (options.failLive?.includes(what.split(':')[0]!)) throw new OperationFailedError('libvirt.VIR_ERR_OPERATION_FAILED', `${what} refused`);
  };
  const port: VmHardwarePort = {
    state: async () => ({ active: options.active ?? true, persistent: options.persistent ?? true }),
    configXml: async () => config,
    liveXml: async () => live,
    autostart: async () => false,
    hostLimits: async () => ({ cpus: 4, memoryKiB: 8 * 1024 * 1024 }),
    define: async (xml) => {
      calls.push('define');
      if (options.failDefine) throw new OperationFailedError('libvirt.VIR_ERR_XML_ERROR', 'bad XML');
      config = xml;
    },
    setVcpusLive: async (_uuid, n) => refuse(`setVcpus:${n}`),
    setMemoryLive: async (_uuid, kib) => refuse(`setMemory:${kib}`),
    detachDeviceLive: async (_uuid, _xml, alias) => {
      refuse(`detach:${alias ?? '-'}`);
      live = options.liveAfterDetach ?? live;
      return { removed: options.removalConfirmed ?? true };
    },
    updateDeviceLive: async () => refuse('update'),
    setAutostart: async (_uuid, on) => {
      calls.push(`autostart:${on}`);
      if (options.failAutostart) throw new OperationFailedError('libvirt.VIR_ERR_OPERATION_FAILED', 'autostart refused');
    },
  };
  return { port, calls, config: () => config };
}

describe('HardwareEditor', () => {
  it('saves the definition once, then applies each live part', async () => {
    const { port, calls, config } = scriptedPort();
    const editor = new HardwareEditor(() => port);
    const { results } = await editor.edit('h', UUID, {
      vcpus: { current: 2 },
      memory: { current: { value: 512, unit: 'MiB' } },
      nics: [{ mac: '52:54:00:00:00:01', linkState: 'down' }],
    });
    expect(calls).toEqual(['define', 'setVcpus:2', 'setMemory:524288', 'update']);
    expect(results.map((r) => [r.field, r.applied])).toEqual([
      ['vcpus.current', 'both'],
      ['memory.current', 'both'],
      ['nics.52:54:00:00:00:01', 'both'],
    ]);
    expect(config()).toContain('<link state="down"/>');
    expect(config()).toContain('<vcpu>2</vcpu>');
  });

  it('reports a live part libvirt refuses as next boot, with the reason (the definition has it)', async () => {
    const { port } = scriptedPort({ failLive: ['setMemory'] });
    const { results } = await new HardwareEditor(() => port).edit('h', UUID, { memory: { current: { value: 512, unit: 'MiB' } } });
    expect(results).toEqual([{ field: 'memory.current', applied: 'next-boot', note: 'not applied to the running VM: setMemory:524288 refused' }]);
  });

  it('changes nothing on the running VM when the definition is refused', async () => {
    const { port, calls } = scriptedPort({ failDefine: true });
    await expect(new HardwareEditor(() => port).edit('h', UUID, { vcpus: { current: 2 }, autostart: true })).rejects.toThrow('bad XML');
    expect(calls).toEqual(['define']);
  });

  it('makes no call at all when a field is invalid', async () => {
    const { port, calls } = scriptedPort();
    await expect(new HardwareEditor(() => port).edit('h', UUID, { vcpus: { current: 2 }, bootOrder: ['cdrom'] })).rejects.toMatchObject({
      code: 'vm.hardware-invalid',
      details: { fieldErrors: { bootOrder: expect.stringMatching(/no CD-ROM/) } },
    });
    expect(calls).toEqual([]);
  });

  it('applies a transient VM live only, and fails with libvirt’s reason when the live part is refused', async () => {
    const ok = scriptedPort({ persistent: false });
    const { results } = await new HardwareEditor(() => ok.port).edit('h', UUID, { vcpus: { current: 2 } });
    expect(ok.calls).toEqual(['setVcpus:2']);
    expect(results).toEqual([{ field: 'vcpus.current', applied: 'live' }]);
    const refused = scriptedPort({ persistent: false, failLive: ['setVcpus'] });
    await expect(new HardwareEditor(() => refused.port).edit('h', UUID, { vcpus: { current: 2 } })).rejects.toThrow('refused');
  });

  it('a step failing after the definition was saved says what is already in effect, with the cause’s kind and code', async () => {
    const { port, calls, config } = scriptedPort({ failAutostart: true });
    const error = await new HardwareEditor(() => port).edit('h', UUID, { vcpus: { current: 2 }, autostart: true }).catch((e: unknown) => e);
    expect(calls).toEqual(['define', 'autostart:true']);
    expect(config()).toContain('<vcpu>2</vcpu>');
    expect(error).toBeInstanceOf(OperationFailedError);
    expect(error).toMatchObject({
      code: 'libvirt.VIR_ERR_OPERATION_FAILED',
      message: expect.stringMatching(/^autostart failed: autostart refused\. Already in effect: vcpus\.current \(next-boot\)$/),
      details: { failedField: 'autostart', applied: [{ field: 'vcpus.current', applied: 'next-boot' }] },
    });
  });

  it('a transient VM whose second live part is refused reports the first one as applied', async () => {
    const { port, calls } = scriptedPort({ persistent: false, failLive: ['setMemory'] });
    const error = await new HardwareEditor(() => port)
      .edit('h', UUID, { vcpus: { current: 2 }, memory: { current: { value: 512, unit: 'MiB' } } })
      .catch((e: unknown) => e);
    expect(calls).toEqual(['setVcpus:2', 'setMemory:524288']);
    expect(error).toMatchObject({ details: { failedField: 'memory.current', applied: [{ field: 'vcpus.current', applied: 'live' }] } });
  });

  it('saves a shut-off VM for its next boot without live calls', async () => {
    const { port, calls } = scriptedPort({ active: false });
    const { results } = await new HardwareEditor(() => port).edit('h', UUID, { vcpus: { current: 2 }, disks: [{ target: 'vda', remove: true }] });
    expect(calls).toEqual(['define']);
    expect(results).toEqual([
      { field: 'vcpus.current', applied: 'next-boot' },
      { field: 'disks.vda', applied: 'next-boot' },
    ]);
  });

  describe('removing a device from a running VM', () => {
    const withoutDisk = XML.replace(/<disk [\s\S]*?<\/disk>/, '');
    const withoutNic = XML.replace(/<interface [\s\S]*?<\/interface>/, '');

    it('reports both once libvirt confirms the guest released it', async () => {
      const { port, calls } = scriptedPort({ removalConfirmed: true });
      const { results } = await new HardwareEditor(() => port).edit('h', UUID, { disks: [{ target: 'vda', remove: true }] });
      expect(calls).toEqual(['define', 'detach:virtio-disk0']);
      expect(results).toEqual([{ field: 'disks.vda', applied: 'both' }]);
    });

    it('reports the next boot, removal pending, when the guest has not released it', async () => {
      const { port } = scriptedPort({ removalConfirmed: false });
      const { results } = await new HardwareEditor(() => port).edit('h', UUID, {
        disks: [{ target: 'vda', remove: true }],
        nics: [{ mac: '52:54:00:00:00:01', remove: true }],
      });
      expect(results).toEqual([
        { field: 'disks.vda', applied: 'next-boot', note: REMOVAL_PENDING_NOTE },
        { field: 'nics.52:54:00:00:00:01', applied: 'next-boot', note: REMOVAL_PENDING_NOTE },
      ]);
      expect(REMOVAL_PENDING_NOTE).toBe('removal requested from the running VM, pending the guest');
    });

    it('takes the live definition’s word when no event came but the device is gone', async () => {
      const disk = scriptedPort({ removalConfirmed: false, liveAfterDetach: withoutDisk });
      expect((await new HardwareEditor(() => disk.port).edit('h', UUID, { disks: [{ target: 'vda', remove: true }] })).results).toEqual([
        { field: 'disks.vda', applied: 'both' },
      ]);
      const nic = scriptedPort({ removalConfirmed: false, liveAfterDetach: withoutNic });
      expect((await new HardwareEditor(() => nic.port).edit('h', UUID, { nics: [{ mac: '52:54:00:00:00:01', remove: true }] })).results).toEqual([
        { field: 'nics.52:54:00:00:00:01', applied: 'both' },
      ]);
    });

    it('on a transient VM, reports the request on the running VM as pending', async () => {
      const { port } = scriptedPort({ persistent: false, removalConfirmed: false });
      const { results } = await new HardwareEditor(() => port).edit('h', UUID, { disks: [{ target: 'vda', remove: true }] });
      expect(results).toEqual([{ field: 'disks.vda', applied: 'live', note: REMOVAL_PENDING_NOTE }]);
    });
  });
});
