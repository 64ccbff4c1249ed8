/** Shared by the bulk-stats, node and domain-ops tests. */
import { expect } from 'vitest';
import { LibvirtError } from '../lib/index';

export async function expectLibvirtError(promise: Promise<unknown>, codeName: string): Promise<LibvirtError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected ${codeName}, but the call succeeded`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LibvirtError);
  expect((error as LibvirtError).codeName).toBe(codeName);
  return error as LibvirtError;
}
