/**
 * "Save as template" from a real VM keeps the devices its OS boots through, and a deploy from that template
 * defines them (issue #5): on the test bed's network host (its own namespace, so a libvirt network can run),
 * a VM defined with virsh on i440fx with an IDE disk, an e1000 NIC and a NIC libvirt gives its default model
 * (rtl8139) is saved as a template through the contract; the VM deployed from it is, per virsh (the
 * independent reader), an i440fx domain with an IDE disk and the same NIC models, and it boots (direct kernel
 * boot of the tiny guest) and reads its seed from the IDE CD-ROM. A q35 VM with a SATA disk and an e1000e NIC
 * is defined as q35 + SATA + e1000e the same way, and boots (the tiny guest's cloud kernel has no AHCI driver,
 * so its seed on the SATA CD-ROM is not read: only the boot marker is checked there). A bridged NIC is kept in
 * its place on the "default" network, and the template says so.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostSummary } from '../../../preload/contract';
import { XmlDocument, XmlNode } from '../../../main/core/xml/XmlDocument';
import { callError, startInProcessTandem, waitForJobEnd, type InProcessTandem } from '../../support/inProcessTandem';
import { testbedOrFail } from '../../support/requireTestbed';
import { netHostUri, testSubnet } from '../../testbed/netHost';
import { SERIAL, tinyGuestDeployOptions, waitForSerial } from '../../testbed/tinyGuest';

const env = testbedOrFail();
const execFileAsync = promisify(execFile);
const BASE_IMAGE = 'debian-11-genericcloud-amd64.qcow2';
const tag = randomBytes(3).toString('hex');
const POOL = `tpl-${tag}`;
const NETWORK = `t${tag}-net`;

describe.skipIf(!env)('a template saved from a VM keeps its chipset, disk bus and NIC models (test bed)', () => {
  let t: InProcessTandem;
  let host: HostSummary;
  const uri = env ? netHostUri(env) : '';
  const poolDir = join(env?.images ?? '', `tpl-pool-${tag}`);
  const virsh = async (...args: string[]) => (await execFileAsync('virsh', ['-c', uri, ...args])).stdout;
  const names = (out: string) => out.split('\n').map((s) => s.trim()).filter(Boolean);
  const define = (xml: string) => execFileAsync('sh', ['-c', `printf '%s' "$0" | virsh -c '${uri}' define /dev/stdin`, xml]);

  /** A source VM as a user installed it: its disk a volume of the pool (so its size is readable), never started. */
  async function defineSource(name: string, machine: string, bus: string, dev: string, nics: string): Promise<string> {
    await virsh('vol-create-as', POOL, `${name}.qcow2`, '64M', '--format', 'qcow2');
    await define(
      `<domain type='qemu'><name>${name}</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>` +
        `<os><type arch='x86_64' machine='${machine}'>hvm</type><boot dev='hd'/></os><devices>` +
        `<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source pool='${POOL}' volume='${name}.qcow2'/><target dev='${dev}' bus='${bus}'/></disk>` +
        `${nics}</devices></domain>`,
    );
    return (await virsh('domuuid', name)).trim();
  }

  /** The devices of a domain as libvirt defined it. */
  async function devicesOf(name: string) {
    const root = new XmlNode(XmlDocument.parse(await virsh('dumpxml', '--inactive', name)).root);
    return {
      machine: root.value('os/type/@machine'),
      disks: root.elements('devices/disk').map((d) => `${d.value('@device')} ${d.value('target/@bus')}`),
      nics: root.elements('devices/interface').map((n) => n.value('model/@type')),
    };
  }

  async function saveAndDeploy(source: string, copy: string) {
    const uuid = (await virsh('domuuid', source)).trim();
    const template = await t.client.call('provisioning.templates.save', { id: source, name: source, fromVm: { hostId: host.id, uuid }, osinfoId: 'debian11' });
    const { jobId } = await t.client.call('provisioning.deploy', {
      hostId: host.id,
      name: copy,
      request: { ...template.request, hardware: { ...template.request.hardware, graphics: 'none' } },
    });
    const job = await waitForJobEnd(t, jobId, 240_000);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    return template;
  }

  beforeAll(async () => {
    await mkdir(poolDir, { recursive: true });
    await virsh('pool-create-as', POOL, 'dir', '--target', poolDir);
    await execFileAsync('qemu-img', ['create', '-q', '-f', 'qcow2', join(poolDir, BASE_IMAGE), '64M']);
    await virsh('pool-refresh', POOL);
    const [a, b, c] = testSubnet(env!, 30).split('.');
    await execFileAsync('sh', [
      '-c',
      `printf '%s' "$0" | virsh -c '${uri}' net-create /dev/stdin`,
      `<network><name>${NETWORK}</name><ip address='${a}.${b}.${c}.1' netmask='255.255.255.0'/></network>`,
    ]);
    t = await startInProcessTandem({ demo: 'never', ...tinyGuestDeployOptions(env!) });
    host = await t.client.call('hosts.add', { uri, name: 'testbed network host' });
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    if (!env) return;
    for (const name of names(await virsh('list', '--all', '--name')).filter((n) => n.startsWith(`t${tag}`))) {
      await virsh('destroy', name).catch(() => undefined);
      await virsh('undefine', name).catch(() => undefined);
      await rm(join(env.images, `${name}.serial.log`), { force: true });
    }
    await virsh('net-destroy', NETWORK).catch(() => undefined);
    await virsh('pool-destroy', POOL).catch(() => undefined);
    await rm(poolDir, { recursive: true, force: true });
  });

  it('an i440fx VM with an IDE disk, an e1000 NIC and a default-model NIC: the copy has the same, boots and reads its seed from IDE', async () => {
    const source = `t${tag}-xp`;
    const copy = `t${tag}-xp-copy`;
    await defineSource(
      source,
      'pc',
      'ide',
      'hda',
      `<interface type='network'><source network='${NETWORK}'/><model type='e1000'/></interface><interface type='network'><source network='${NETWORK}'/></interface>`,
    );
    const template = await saveAndDeploy(source, copy);
    expect(template.request.hardware).toMatchObject({
      machine: 'pc',
      disks: [{ bus: 'ide' }],
      nics: [
        { network: NETWORK, model: 'e1000' },
        { network: NETWORK, model: 'rtl8139' },
      ],
    });
    const copied = await devicesOf(copy);
    expect(copied.machine).toMatch(/^pc-i440fx-/);
    expect(copied.disks).toEqual(['disk ide', 'cdrom ide']);
    expect(copied.nics).toEqual(['e1000', 'rtl8139']);
    const serial = join(env!.images, `${copy}.serial.log`);
    expect((await waitForSerial(serial, SERIAL.ready, 90_000))[1]).toBe(copy);
    await waitForSerial(serial, /^tandem-seed: #cloud-config$/m, 30_000);
    await virsh('destroy', copy);
  }, 300_000);

  it('a VM whose disk volume is gone, or whose pool is stopped or gone: refused at fromVm, saying which disk, volume and pool', async () => {
    const source = `t${tag}-lost`;
    // A pool of its own, defined (persistent), so that stopping it leaves it known to libvirt and inactive.
    const pool = `${POOL}-lost`;
    const dir = `${poolDir}-lost`;
    await mkdir(dir, { recursive: true });
    await virsh('pool-define-as', pool, 'dir', '--target', dir);
    try {
      await virsh('pool-start', pool);
      await virsh('vol-create-as', pool, `${source}.qcow2`, '64M', '--format', 'qcow2');
      await define(
        `<domain type='qemu'><name>${source}</name><memory unit='MiB'>128</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os><devices>` +
          `<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source pool='${pool}' volume='${source}.qcow2'/><target dev='hda' bus='ide'/></disk></devices></domain>`,
      );
      const uuid = (await virsh('domuuid', source)).trim();
      const save = () => callError(t.client.call('provisioning.templates.save', { id: source, name: source, fromVm: { hostId: host.id, uuid }, osinfoId: 'debian11' }));
      const refusal = (why: string) => ({ errorName: 'InvalidInput', message: `${source}: the size of disk hda could not be read: ${why}`, details: { field: 'fromVm' } });
      await virsh('vol-delete', '--pool', pool, `${source}.qcow2`);
      expect(await save()).toMatchObject(refusal(`storage pool ${pool} has no volume ${source}.qcow2`));
      await virsh('pool-destroy', pool);
      expect(await save()).toMatchObject(refusal(`storage pool ${pool} is not active`));
      await virsh('pool-undefine', pool);
      expect(await save()).toMatchObject(refusal(`there is no storage pool ${pool}`));
    } finally {
      await virsh('pool-destroy', pool).catch(() => undefined);
      await virsh('pool-undefine', pool).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('a VM with a bridged NIC: the template keeps the NIC, its model and place, on the "default" network, and says so', async () => {
    const source = `t${tag}-bridged`;
    // Never started: the bridge need not exist on the host for the definition.
    const uuid = await defineSource(
      source,
      'q35',
      'virtio',
      'vda',
      `<interface type='bridge'><source bridge='br-${tag}'/><model type='e1000e'/></interface><interface type='network'><source network='${NETWORK}'/><model type='virtio'/></interface>`,
    );
    const template = await t.client.call('provisioning.templates.save', { id: source, name: source, fromVm: { hostId: host.id, uuid }, osinfoId: 'debian11' });
    expect(template.request.hardware.nics).toEqual([
      { network: 'default', model: 'e1000e' },
      { network: NETWORK, model: 'virtio' },
    ]);
    expect(template.origin).toEqual({
      kind: 'vm',
      hostId: host.id,
      vmName: source,
      notes: [`NIC 1 (bridge br-${tag}) goes on the "default" network: a template names libvirt networks only`],
    });
    await t.client.call('provisioning.templates.delete', { id: source });
  }, 60_000);

  it('a q35 VM with a SATA disk and an e1000e NIC: the copy is q35 + SATA + e1000e and boots', async () => {
    const source = `t${tag}-w10`;
    const copy = `t${tag}-w10-copy`;
    await defineSource(source, 'q35', 'sata', 'sda', `<interface type='network'><source network='${NETWORK}'/><model type='e1000e'/></interface>`);
    await saveAndDeploy(source, copy);
    const copied = await devicesOf(copy);
    expect(copied.machine).toMatch(/^pc-q35-/);
    expect(copied.disks).toEqual(['disk sata', 'cdrom sata']);
    expect(copied.nics).toEqual(['e1000e']);
    expect((await waitForSerial(join(env!.images, `${copy}.serial.log`), SERIAL.ready, 90_000))[1]).toBe(copy);
    await virsh('destroy', copy);
  }, 300_000);
});
