/**
 * Tandem's HostManager adding a host whose libvirtd wants a SASL login (test bed host3), with the real
 * libvirt driver: the CredentialPrompt answers and the host connects and is saved; a wrong password or a
 * refused prompt ends in status 'auth-failed' with libvirt's reason, an AuthFailedError, and nothing saved.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostSummary } from '../../../preload/contract';
import { AuthFailedError } from '../../../main/core/errors';
import { HostConfigStore } from '../../../main/core/hosts/HostConfigStore';
import type { HostCredentialSource } from '../../../main/core/hosts/HostCredentials';
import type { CredentialPrompt } from '../../../main/core/hosts/HostDriver';
import { HostManager } from '../../../main/core/hosts/HostManager';
import { LibvirtHostDriver } from '../../../main/drivers/libvirt/LibvirtHostDriver';
import { testbedOrFail } from '../../support/requireTestbed';

const env = testbedOrFail();
const sasl = env?.host3Uri && env.saslUser && env.saslPassword ? { uri: env.host3Uri, user: env.saslUser, password: env.saslPassword } : undefined;

function prompting(authname: string, passphrase: string, asked: string[] = []): CredentialPrompt {
  return async (requests) => {
    asked.push(...requests.map((r) => r.kind));
    return requests.map((r) => (r.kind === 'authname' ? authname : r.kind === 'passphrase' ? passphrase : ''));
  };
}

describe.skipIf(!sasl)('HostManager with a SASL host (test bed host3)', () => {
  let dataDir: string;
  let manager: HostManager | undefined;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tandem-sasl-'));
  });
  afterEach(async () => {
    await manager?.dispose();
    manager = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  function start(prompt: CredentialPrompt): { manager: HostManager; statuses: HostSummary[] } {
    // The user answering every prompt directly, with nothing stored (the keychain path is tested in
    // test/integration/hosts/hostCredentials.test.ts).
    const credentials: HostCredentialSource = {
      forAttempt: () => ({ prompt, finish: async () => undefined, declined: () => undefined }),
      forgetHost: async () => undefined,
    };
    manager = new HostManager({ drivers: [new LibvirtHostDriver()], config: new HostConfigStore(dataDir), credentials, connectTimeoutMs: 15_000 });
    const statuses: HostSummary[] = [];
    manager.hostChanged.on((summary) => statuses.push(summary));
    return { manager, statuses };
  }

  async function savedHosts(): Promise<unknown[]> {
    return new HostConfigStore(dataDir).load();
  }

  it('adds the host through the credential prompt: connected, facts read, saved', async () => {
    const asked: string[] = [];
    const { manager } = start(prompting(sasl!.user, sasl!.password, asked));
    const summary = await manager.add(sasl!.uri, 'sasl host');
    expect(summary.status).toBe('connected');
    expect(summary.hypervisor).toMatch(/^QEMU /);
    expect(asked).toEqual(expect.arrayContaining(['authname', 'passphrase']));
    expect(await savedHosts()).toEqual([{ id: summary.id, name: 'sasl host', uri: sasl!.uri }]);
  });

  it('a wrong password ends in auth-failed with libvirt reason, an AuthFailedError, nothing saved', async () => {
    const { manager, statuses } = start(prompting(sasl!.user, 'not-the-password'));
    const error = await manager.add(sasl!.uri).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AuthFailedError);
    expect((error as AuthFailedError).code).toBe('libvirt.VIR_ERR_AUTH_FAILED');
    expect((error as AuthFailedError).message).toBe('authentication failed: authentication failed');
    const last = statuses.at(-1);
    expect(last?.status).toBe('auth-failed');
    expect(last?.statusReason).toBe('authentication failed: authentication failed');
    expect(manager.list()).toEqual([]);
    expect(await savedHosts()).toEqual([]);
    await expect(readFile(join(dataDir, 'hosts.json'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a refused prompt (null) ends in auth-failed, nothing saved', async () => {
    const { manager, statuses } = start(async () => null);
    const error = await manager.add(sasl!.uri).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AuthFailedError);
    expect((error as AuthFailedError).message).toBe('authentication failed: Failed to collect auth credentials');
    expect(statuses.at(-1)?.status).toBe('auth-failed');
    expect(manager.list()).toEqual([]);
    expect(await savedHosts()).toEqual([]);
  });
});
