/**
 * Credential prompts against a real daemon: host3's libvirtd wants a SASL (DIGEST-MD5) login on TCP. The
 * binding's credential callback answers libvirt's AUTHNAME and PASSPHRASE prompts; a wrong password and a
 * refusing callback fail with the codes libvirt really reports.
 */
import { describe, expect, it } from 'vitest';
import { openConnection, type CredentialRequest } from '../../../native-helpers/libvirt/lib/index';
import { expectLibvirtError } from '../../../native-helpers/libvirt/test/helpers';
import { testbedOrFail } from '../../support/requireTestbed';

const env = testbedOrFail();
const sasl = env?.host3Uri && env.saslUser && env.saslPassword ? { uri: env.host3Uri, user: env.saslUser, password: env.saslPassword } : undefined;

function answering(authname: string, passphrase: string, seen: CredentialRequest[] = []) {
  return (requests: CredentialRequest[]) => {
    seen.push(...requests);
    return requests.map((r) => (r.typeName === 'authname' ? authname : r.typeName === 'passphrase' ? passphrase : ''));
  };
}

describe.skipIf(!sasl)('SASL login to a real libvirtd (test bed host3)', () => {
  it('connects when the callback answers the AUTHNAME and PASSPHRASE prompts', async () => {
    const seen: CredentialRequest[] = [];
    const conn = await openConnection(sasl!.uri, { auth: answering(sasl!.user, sasl!.password, seen) });
    try {
      expect(await conn.getType()).toBe('QEMU');
      expect(conn.isAlive()).toBe(true);
    } finally {
      await conn.close();
    }
    // SASL also asks for an authorization id ('username', SASL_CB_USER); empty means "the same as authname".
    expect(seen.map((r) => r.typeName).sort()).toEqual(['authname', 'passphrase', 'username']);
    expect(seen.every((r) => typeof r.prompt === 'string' && r.prompt.length > 0)).toBe(true);
  });

  it('answers prompts given by a promise', async () => {
    const conn = await openConnection(sasl!.uri, {
      auth: async (requests) => {
        await new Promise((r) => setTimeout(r, 20));
        return answering(sasl!.user, sasl!.password)(requests);
      },
    });
    await conn.close();
  });

  it('fails with VIR_ERR_AUTH_FAILED on a wrong password', async () => {
    const error = await expectLibvirtError(openConnection(sasl!.uri, { auth: answering(sasl!.user, 'not-the-password') }), 'VIR_ERR_AUTH_FAILED');
    expect(error.message).toBe('authentication failed: authentication failed');
    expect(error.domainName).toBe('VIR_FROM_RPC');
  });

  it('fails with VIR_ERR_AUTH_FAILED for an unknown user', async () => {
    await expectLibvirtError(openConnection(sasl!.uri, { auth: answering('nobody', sasl!.password) }), 'VIR_ERR_AUTH_FAILED');
  });

  it('fails cleanly when the callback refuses (null), and the daemon still serves the next login', async () => {
    const error = await expectLibvirtError(openConnection(sasl!.uri, { auth: () => null }), 'VIR_ERR_AUTH_FAILED');
    expect(error.message).toBe('authentication failed: Failed to collect auth credentials');
    const conn = await openConnection(sasl!.uri, { auth: answering(sasl!.user, sasl!.password) });
    await conn.close();
  });

  it('fails without a callback: no SASL mechanism can log in without prompts', async () => {
    const error = await expectLibvirtError(openConnection(sasl!.uri), 'VIR_ERR_AUTH_FAILED');
    expect(error.message).toMatch(/No worthy mechs found/);
  });
});
