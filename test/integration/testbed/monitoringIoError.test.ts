/**
 * The "paused on an I/O error" alert from a real I/O error: the tiny guest's disk is served over NBD by a
 * qemu-nbd this test starts; the guest writes its counter to that disk every second (with fsync), so when
 * the test kills qemu-nbd the next write fails and QEMU, told to stop on errors (error_policy='stop'),
 * pauses the guest with reason "ioerror". Tandem raises the alert once; destroying the guest ends it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostSummary, VmSummary } from '../../../preload/contract';
import { startInProcessTandem, type InProcessTandem } from '../../support/inProcessTandem';
import { testbedOrFail } from '../../support/requireTestbed';
import { removeContractGuest } from '../../testbed/contractGuest';
import { createTinyGuest, waitForSerial, type TinyGuest } from '../../testbed/tinyGuest';

const env = testbedOrFail();

/** A loopback address of this test bed's slot (its hosts use .2 and .3). */
function nbdAddress(host1Uri: string): string {
  const match = /127\.0\.(\d+)\.\d+/.exec(host1Uri);
  return match ? `127.0.${match[1]}.1` : '127.0.0.1';
}

async function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, address, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The guest's vda as an NBD disk at address:port, stopping the VM on read or write errors. */
function withNbdDisk(xml: string, address: string, port: number): string {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const disk = Array.from(doc.getElementsByTagName('disk')).find((d) =>
    Array.from(d.getElementsByTagName('target')).some((t) => t.getAttribute('dev') === 'vda'),
  );
  if (!disk) throw new Error('the tiny guest has no vda');
  disk.setAttribute('type', 'network');
  const driver = disk.getElementsByTagName('driver')[0]!;
  driver.setAttribute('type', 'raw'); // qemu-nbd serves the qcow2 image's contents
  driver.setAttribute('error_policy', 'stop');
  driver.setAttribute('rerror_policy', 'stop');
  const oldSource = disk.getElementsByTagName('source')[0]!;
  const source = doc.createElement('source');
  source.setAttribute('protocol', 'nbd');
  const host = doc.createElement('host');
  host.setAttribute('name', address);
  host.setAttribute('port', String(port));
  source.appendChild(host);
  disk.replaceChild(source, oldSource);
  return new XMLSerializer().serializeToString(doc);
}

describe.skipIf(!env)('a VM paused on a real I/O error raises an alert', () => {
  let t: InProcessTandem;
  let host: HostSummary;
  let guest: TinyGuest;
  let vm: VmSummary;
  let nbd: ChildProcess | undefined;

  beforeAll(async () => {
    t = await startInProcessTandem({ demo: 'never' });
    host = await t.client.call('hosts.add', { uri: env!.host0Uri, name: 'testbed host0' });
    guest = await createTinyGuest(env!, { name: `it-ioerror-${process.pid}`, id: `ioerror-${process.pid}` });
    const address = nbdAddress(env!.host1Uri);
    const port = await freePort(address);
    nbd = spawn('qemu-nbd', ['--format=qcow2', `--bind=${address}`, `--port=${port}`, '--persistent', guest.diskPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    nbd.stderr?.on('data', (d) => (stderr += String(d)));
    // qemu-nbd listens once it has opened the image; wait until the port answers.
    for (let i = 0; ; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const socket = connect(port, address);
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (up) break;
      if (i > 50 || nbd.exitCode !== null) throw new Error(`qemu-nbd did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    vm = await t.client.call('vms.defineXml', { hostId: host.id, xml: withNbdDisk(guest.xml, address, port) });
    await t.client.call('vms.start', { hostId: host.id, uuid: vm.uuid });
    await waitForSerial(guest.serialLogPath, /^tandem-counter 2$/m, 60_000);
  });

  afterAll(async () => {
    if (nbd && nbd.exitCode === null && nbd.signalCode === null) nbd.kill('SIGKILL');
    await removeContractGuest(t, host, vm, guest);
  });

  it('raises vm-io-error once when the disk fails under the running guest, and clears it when the guest is destroyed', async () => {
    expect(await t.client.call('alerts.list', {})).toEqual([]);
    const raised = t.nextEvent('alerts.changed', (c) => c.raised.some((a) => a.kind === 'vm-io-error'), 30_000);
    nbd!.kill('SIGKILL'); // the disk goes away: the guest's next fsync'ed write fails
    const change = await raised;
    expect(change.raised).toEqual([
      expect.objectContaining({ kind: 'vm-io-error', hostId: host.id, uuid: vm.uuid, severity: 'critical', title: `${guest.name} paused on an I/O error` }),
    ]);
    expect((await t.client.call('vms.list', { hostId: host.id })).find((v) => v.uuid === vm.uuid)).toMatchObject({
      state: 'paused',
      stateReason: 'ioerror',
    });
    const cleared = t.nextEvent('alerts.changed', (c) => !c.alerts.some((a) => a.kind === 'vm-io-error'));
    await t.client.call('vms.destroy', { hostId: host.id, uuid: vm.uuid });
    await cleared;
    expect(await t.client.call('alerts.list', {})).toEqual([]);
  });
});

