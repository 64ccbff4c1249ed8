/** The credential callback of virConnectOpenAuth, answered from JS (sync, async, refused, throwing). */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LibvirtError, openConnection, type CredentialRequest } from '../lib/index';

const uri = `test://${join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'auth-node.xml')}`;

function answer(values: Record<string, string>) {
  return (requests: CredentialRequest[]) => requests.map((r) => values[r.typeName] ?? '');
}

async function openError(promise: Promise<unknown>): Promise<LibvirtError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the open to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LibvirtError);
  return error as LibvirtError;
}

describe('credential callback', () => {
  it('opens with answers given synchronously, and shows libvirt the prompts', async () => {
    const seen: CredentialRequest[] = [];
    const conn = await openConnection(uri, {
      auth: (requests) => {
        seen.push(...requests);
        return answer({ authname: 'alice', passphrase: 's3cret' })(requests);
      },
    });
    expect(await conn.getType()).toBe('TEST');
    await conn.close();
    expect(seen.map((r) => r.typeName).sort()).toEqual(['authname', 'passphrase']);
    expect(seen.every((r) => typeof r.prompt === 'string')).toBe(true);
  });

  it('waits for answers given by a promise', async () => {
    const conn = await openConnection(uri, {
      auth: async (requests) => {
        await new Promise((r) => setTimeout(r, 50));
        return answer({ authname: 'alice', passphrase: 's3cret' })(requests);
      },
    });
    await conn.close();
  });

  it('fails with an auth error on a wrong password', async () => {
    const error = await openError(openConnection(uri, { auth: answer({ authname: 'alice', passphrase: 'wrong' }) }));
    expect(error.codeName).toBe('VIR_ERR_AUTH_FAILED');
  });

  it('fails when the callback refuses, rejects or throws', async () => {
    for (const auth of [
      () => null,
      async () => {
        throw new Error('user cancelled');
      },
      () => {
        throw new Error('boom');
      },
      () => ['only-one-answer'],
    ]) {
      const error = await openError(openConnection(uri, { auth }));
      expect(error.codeName).toMatch(/^VIR_ERR_AUTH_/);
    }
  });

  it('fails without a callback when the host wants credentials', async () => {
    // libvirt refuses up front: an auth-demanding URI opened with no auth callback is an invalid argument.
    const error = await openError(openConnection(uri));
    expect(error.codeName).toBe('VIR_ERR_INVALID_ARG');
    expect(error.message).toMatch(/authentication/i);
  });
});
