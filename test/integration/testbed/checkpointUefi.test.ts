/**
 * A UEFI guest (OVMF from Debian's `ovmf` package under TCG, its NVRAM in a file of its own) checkpointed
 * live and reverted: the counter goes back, the VM keeps its firmware and NVRAM.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckpointEngine } from '../../../main/core/checkpoints/CheckpointEngine';
import { XmlDocument, XmlNode } from '../../../main/core/xml/XmlDocument';
import { openConnection, virDomainState, virDomainUndefineFlagsValues, type Connection, type Domain } from '../../../native-helpers/libvirt/lib/index';
import { testbedOrFail } from '../../support/requireTestbed';
import { createTinyGuest, lastCounter, SERIAL, serialLogSize, waitForSerial, type TinyGuest } from '../../testbed/tinyGuest';
import { checkpointEngine, checkpointHostUri, HOST_ID, removeDefinedCheckpointGuest } from './checkpointFixture';

const env = testbedOrFail();
const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

/** The tiny guest's XML booted by OVMF: pflash code and a per-VM NVRAM made from the template, before <kernel>. */
function uefiXml(xml: string, nvram: string): string {
  const doc = XmlDocument.parse(xml);
  const os = new XmlNode(doc.root).element('os')!;
  const kernel = os.element('kernel')!.node;
  const loader = doc.doc.createElement('loader');
  loader.setAttribute('readonly', 'yes');
  loader.setAttribute('type', 'pflash');
  loader.appendChild(doc.doc.createTextNode(OVMF_CODE));
  const nv = doc.doc.createElement('nvram');
  nv.setAttribute('template', OVMF_VARS);
  nv.appendChild(doc.doc.createTextNode(nvram));
  os.node.insertBefore(loader, kernel);
  os.node.insertBefore(nv, kernel);
  return doc.toString();
}

describe.skipIf(!env)('checkpoint engine on a UEFI guest', () => {
  let conn: Connection;
  let guest: TinyGuest;
  let dom: Domain;
  let engine: CheckpointEngine;
  let dataDir: string;
  let nvram: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tandem-ckpt-uefi-'));
    conn = await openConnection(checkpointHostUri(env!));
    // OVMF does not get to the kernel in 128 MiB.
    guest = await createTinyGuest(env!, { name: `ck-${process.pid}-uefi`, memoryMiB: 256 });
    nvram = join(env!.images, `${guest.name}.nvram.fd`);
    dom = await conn.defineDomainXML(uefiXml(guest.xml, nvram));
    await dom.create();
    await waitForSerial(guest.serialLogPath, /^tandem-counter 2$/m, 120_000);
    engine = checkpointEngine(conn, dataDir);
  }, 180_000);

  afterAll(async () => {
    await removeDefinedCheckpointGuest(env!, { dom, conn, guest }, virDomainUndefineFlagsValues.VIR_DOMAIN_UNDEFINE_NVRAM);
    if (nvram) await rm(nvram, { force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  it('takes a live checkpoint of the UEFI guest and reverts to it', async () => {
    expect(await dom.getXMLDesc()).toContain(OVMF_CODE);
    const vm = { hostId: HOST_ID, uuid: guest.uuid };
    const offset = await serialLogSize(guest.serialLogPath);
    const cp = await engine.take(vm, { name: 'uefi' });
    // The memory state is from some instant in the call, which can last seconds on a loaded machine: it lies
    // between the last counter printed before the call and the last printed by the time it returned.
    const atTakeEnd = await lastCounter(guest);
    const atTake = Number((await waitForSerial(guest.serialLogPath, SERIAL.counter, 30_000, { fromOffset: offset }))[1]) - 1;
    console.log(`UEFI checkpoint: stun ${cp.stunMs} ms, call ${cp.wallMs} ms, ${cp.memoryMethod}`);
    // A UEFI guest (OVMF flash, NVRAM) takes a background snapshot like any other.
    expect(cp.memoryMethod).toBe('background-snapshot');
    await waitForSerial(guest.serialLogPath, new RegExp(`^tandem-counter ${atTakeEnd + 4}$`, 'm'), 30_000, { fromOffset: offset });

    const revertOffset = await serialLogSize(guest.serialLogPath);
    await engine.revert(vm, cp.id);
    expect((await dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
    const resumed = Number((await waitForSerial(guest.serialLogPath, SERIAL.counter, 30_000, { fromOffset: revertOffset }))[1]);
    expect(resumed).toBeGreaterThanOrEqual(atTake);
    expect(resumed).toBeLessThanOrEqual(atTakeEnd + 2);
    const live = await dom.getXMLDesc();
    expect(live).toContain(OVMF_CODE);
    expect(live).toContain(nvram);
  });
});
