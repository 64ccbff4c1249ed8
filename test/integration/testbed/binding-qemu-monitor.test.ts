/**
 * The binding's QEMU monitor calls (virDomainQemuMonitorCommand, virDomainQemuMonitorCommandWithFiles) on a
 * real tiny guest of the test bed's host1, through its daemon's unix socket (descriptors can be passed) and
 * through TCP (they cannot): QMP replies and QMP errors, HMP text, a file descriptor that reaches QEMU (QMP
 * add-fd, then seen in query-fdsets and removed), the TCP refusal, argument errors before any work, and a
 * stopped domain.
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection, virDomainQemuMonitorCommandFlags as M, type Connection, type Domain } from '../../../native-helpers/libvirt/lib/index';
import { expectLibvirtError } from '../../../native-helpers/libvirt/test/helpers';
import { testbedOrFail } from '../../support/requireTestbed';
import { createTinyGuest, removeTinyGuest, SERIAL, waitForSerial, type TinyGuest } from '../../testbed/tinyGuest';

const env = testbedOrFail();

interface FdSet {
  'fdset-id': number;
  fds: Array<{ fd: number; opaque?: string }>;
}

describe.skipIf(!env)('libvirt binding: QEMU monitor commands on a real guest', () => {
  let unixConn: Connection;
  let tcpConn: Connection;
  let guest: TinyGuest;
  let dom: Domain;
  let folder: string;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'tandem-qmp-'));
    unixConn = await openConnection(env!.host1SocketUri);
    tcpConn = await openConnection(env!.host1Uri);
    guest = await createTinyGuest(env!, { name: `qmp-${process.pid}` });
    dom = await unixConn.defineDomainXML(guest.xml);
    await dom.create();
    await waitForSerial(guest.serialLogPath, SERIAL.counter, 60_000);
  });

  afterAll(async () => {
    await dom?.destroy().catch(() => undefined);
    await dom?.undefine().catch(() => undefined);
    await unixConn?.close().catch(() => undefined);
    await tcpConn?.close().catch(() => undefined);
    if (guest) await removeTinyGuest(guest);
    await rm(folder, { recursive: true, force: true });
  });

  it('sends QMP and HMP commands and resolves to QEMU reply, a QMP error included', async () => {
    const status = JSON.parse(await dom.qemuMonitorCommand('{"execute":"query-status"}')) as { return: { status: string; running: boolean } };
    expect(status.return).toMatchObject({ status: 'running', running: true });
    const refused = JSON.parse(await dom.qemuMonitorCommand('{"execute":"no-such-command"}')) as { error: { class: string } };
    expect(refused.error.class).toBe('CommandNotFound');
    expect(await dom.qemuMonitorCommand('info status', M.VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP)).toMatch(/VM status: running/);
    // The same domain over TCP: commands without descriptors work there too.
    const overTcp = await tcpConn.lookupDomainByUUIDString(guest.uuid);
    expect(JSON.parse(await overTcp.qemuMonitorCommand('{"execute":"query-status"}'))).toMatchObject({ return: { running: true } });
  });

  it('passes a file descriptor to QEMU over the unix socket, and TCP refuses to', async () => {
    const file = await open(join(folder, 'handed-over'), 'w');
    try {
      const reply = await dom.qemuMonitorCommandWithFiles('{"execute":"add-fd","arguments":{"fdset-id":7,"opaque":"tandem-test"}}', [file.fd]);
      expect(reply.fds).toEqual([]);
      const added = (JSON.parse(reply.result) as { return: { 'fdset-id': number; fd: number } }).return;
      expect(added['fdset-id']).toBe(7);
      const sets = (JSON.parse(await dom.qemuMonitorCommand('{"execute":"query-fdsets"}')) as { return: FdSet[] }).return;
      expect(sets.find((s) => s['fdset-id'] === 7)?.fds).toEqual([{ fd: added.fd, opaque: 'tandem-test' }]);
      expect(JSON.parse(await dom.qemuMonitorCommand('{"execute":"remove-fd","arguments":{"fdset-id":7}}'))).toHaveProperty('return');

      const overTcp = await tcpConn.lookupDomainByUUIDString(guest.uuid);
      const refused = await expectLibvirtError(overTcp.qemuMonitorCommandWithFiles('{"execute":"getfd","arguments":{"fdname":"x"}}', [file.fd]), 'VIR_ERR_INTERNAL_ERROR');
      expect(refused.message).toMatch(/Sending file descriptors is not supported/);
    } finally {
      await file.close();
    }
  });

  it('refuses bad arguments before any work, and a domain that is not running', async () => {
    expect(() => dom.qemuMonitorCommand(42 as unknown as string)).toThrow(TypeError);
    expect(() => dom.qemuMonitorCommandWithFiles('{}', 3 as unknown as number[])).toThrow(/fds must be an array/);
    expect(() => dom.qemuMonitorCommandWithFiles('{}', [-1])).toThrow(/non-negative integers/);
    expect(() => dom.qemuMonitorCommandWithFiles('{}', [1.5])).toThrow(/non-negative integers/);
    await dom.destroy();
    expect((await expectLibvirtError(dom.qemuMonitorCommand('{"execute":"query-status"}'), 'VIR_ERR_OPERATION_INVALID')).message).toMatch(/not running/);
    expect((await expectLibvirtError(dom.qemuMonitorCommandWithFiles('{"execute":"query-status"}', []), 'VIR_ERR_OPERATION_INVALID')).message).toMatch(/not running/);
  });
});
