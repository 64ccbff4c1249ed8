/**
 * Checkpoints of a VM on another machine's host are refused through the contract, with nothing changed:
 * the engine handles disk images, memory and TPM files by path on this machine, and a remote host's paths
 * name files over there (the same path here may be an unrelated file).
 *
 * How the test gets a "remote" host: every test bed daemon runs on this machine and listens on loopback
 * only (the sandbox allows 127.0.0.0/8 and nothing else: testbed-facts.md), so no URI reaches one of them
 * that the rule (hostLocality.isThisMachine: no host part or a loopback address) calls remote. The test
 * therefore starts Tandem with createTandem's test-only `checkpointOtherMachineUris` option naming host1's
 * URI; everything else (the contract, the server, the engine, libvirt, the guest) is the real thing.
 */
import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection, type Connection } from '../../../native-helpers/libvirt/lib/index';
import { callError, startInProcessTandem, waitForJobEnd, type InProcessTandem } from '../../support/inProcessTandem';
import { testbedOrFail } from '../../support/requireTestbed';
import { createTinyGuest, removeTinyGuest, SERIAL, waitForSerial, type TinyGuest } from '../../testbed/tinyGuest';

const env = testbedOrFail();
const UNKNOWN_CHECKPOINT = '00000000-0000-4000-8000-000000000000';

describe.skipIf(!env)("checkpoints of a VM on another machine's host", () => {
  let t: InProcessTandem;
  let conn: Connection;
  let guest: TinyGuest;
  let hostId: string;
  const ref = () => ({ hostId, uuid: guest.uuid });

  /** What a checkpoint operation would change: the domain's definitions, the images folder, Tandem's checkpoint records. */
  async function observed() {
    const dom = await conn.lookupDomainByUUIDString(guest.uuid);
    try {
      return {
        liveXml: await dom.getXMLDesc(0),
        persistentXml: await dom.getXMLDesc(2 /* VIR_DOMAIN_XML_INACTIVE */),
        state: (await dom.getState()).state,
        images: (await readdir(env!.images)).sort(),
        checkpointFolder: await access(join(env!.images, '.tandem-checkpoints', guest.uuid)).then(
          () => 'exists',
          () => 'absent',
        ),
        tandem: await readdir(join(t.dataDir, 'checkpoints'), { recursive: true }).catch(() => []),
      };
    } finally {
      dom.free();
    }
  }

  beforeAll(async () => {
    t = await startInProcessTandem({ demo: 'never', checkpointOtherMachineUris: [env!.host1Uri] });
    hostId = (await t.client.call('hosts.add', { uri: env!.host1Uri, name: 'host1 (as if remote)' })).id;
    conn = await openConnection(env!.host1Uri);
    guest = await createTinyGuest(env!, { name: `ck-${process.pid}-remote` });
    await t.client.call('vms.defineXml', { hostId, xml: guest.xml });
    await t.client.call('vms.start', ref());
    await waitForSerial(guest.serialLogPath, SERIAL.counter, 60_000);
  });

  afterAll(async () => {
    if (t && guest) {
      await t.client.call('vms.destroy', ref()).catch(() => undefined);
      await t.client.call('vms.undefine', ref()).catch(() => undefined);
    }
    await conn?.close();
    await t?.stop();
    if (guest) await removeTinyGuest(guest);
  });

  it('lists the VM with the reason, and refuses take / revert / delete / commit with checkpoint.remote-host, leaving it untouched', async () => {
    const tree = await t.client.call('checkpoints.list', ref());
    expect(tree).toMatchObject({ vm: ref(), currentId: null, checkpoints: [] });
    expect(tree.unavailableReason).toMatch(/not available for VMs on another machine.*this machine's hosts/);

    const before = await observed();
    const takeJob = t.nextEvent('jobs.changed', (j) => j.kind === 'checkpoint.take' && j.state === 'failed', 30_000);
    const refusals = [
      t.client.call('checkpoints.take', { ...ref(), name: 'memory' }),
      t.client.call('checkpoints.take', { ...ref(), name: 'disks', diskOnly: true }),
      t.client.call('checkpoints.revert', { ...ref(), checkpointId: UNKNOWN_CHECKPOINT }),
      t.client.call('checkpoints.delete', { ...ref(), checkpointId: UNKNOWN_CHECKPOINT }),
      t.client.call('checkpoints.commit', { ...ref(), mode: 'fold' }),
    ];
    for (const refusal of refusals) {
      // Refused for the host, before the engine even looks the checkpoint up (not checkpoint.not-found).
      expect(await callError(refusal)).toMatchObject({ errorName: 'Unsupported', code: 'checkpoint.remote-host', message: tree.unavailableReason });
    }
    // The jobs panel shows the refused take with its reason.
    const job = await waitForJobEnd(t, (await takeJob).id, 10_000);
    expect(job.error).toMatchObject({ code: 'checkpoint.remote-host' });

    // Not paused, no overlay or memory file next to its disk, definitions as they were, no journal or tree.
    expect(await observed()).toEqual(before);
    expect(before.checkpointFolder).toBe('absent');
    expect(before.tandem).toEqual([]);
    expect((await t.client.call('vms.get', ref())).state).toBe('running');
  });
});
