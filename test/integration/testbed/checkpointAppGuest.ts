/**
 * A tiny guest on test bed host1, defined and started through the contract of an in-process Tandem, for the
 * suites that checkpoint through the app: memory states are sealed with a key from a private, real Secret
 * Service. Kept apart from checkpointFixture.ts, which the crash child loads (it has no use for a whole Tandem).
 */
import { rm } from 'node:fs/promises';
import { startInProcessTandem, type InProcessTandem } from '../../support/inProcessTandem';
import { startSecretService, type PrivateSecretService } from '../../support/secretService';
import type { TestbedEnv } from '../../testbed/testbedEnv';
import { createTinyGuest, removeTinyGuest, waitForSerial, type TinyGuest } from '../../testbed/tinyGuest';
import { checkpointFolderOf } from './checkpointFixture';

export interface CheckpointAppGuest {
  t: InProcessTandem;
  keyring: PrivateSecretService;
  guest: TinyGuest;
  hostId: string;
}

/** Running, its counter at 3; whatever was set up is removed again if a step fails. */
export async function startCheckpointAppGuest(env: TestbedEnv, suffix: string): Promise<CheckpointAppGuest> {
  const app: Partial<CheckpointAppGuest> = {};
  try {
    app.keyring = await startSecretService();
    app.keyring.useInThisProcess();
    app.t = await startInProcessTandem({ demo: 'never' });
    app.hostId = (await app.t.client.call('hosts.add', { uri: env.host1Uri, name: 'host1' })).id;
    app.guest = await createTinyGuest(env, { name: `ck-${process.pid}-${suffix}` });
    const ref = { hostId: app.hostId, uuid: app.guest.uuid };
    await app.t.client.call('vms.defineXml', { hostId: app.hostId, xml: app.guest.xml });
    await app.t.client.call('vms.start', ref);
    await waitForSerial(app.guest.serialLogPath, /^tandem-counter 3$/m, 60_000);
    return app as CheckpointAppGuest;
  } catch (error) {
    await removeCheckpointAppGuest(env, app);
    throw error;
  }
}

/** The VM (through the app), the app, the guest's files and checkpoint folder, the Secret Service. */
export async function removeCheckpointAppGuest(env: TestbedEnv, { t, keyring, guest, hostId }: Partial<CheckpointAppGuest> = {}): Promise<void> {
  if (t && guest && hostId) {
    await t.client.call('vms.destroy', { hostId, uuid: guest.uuid }).catch(() => undefined);
    await t.client.call('vms.undefine', { hostId, uuid: guest.uuid }).catch(() => undefined);
  }
  await t?.stop();
  if (guest) {
    await removeTinyGuest(guest);
    await rm(checkpointFolderOf(env, guest.uuid), { recursive: true, force: true });
  }
  await keyring?.stop();
}
