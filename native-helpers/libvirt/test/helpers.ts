/** Assertions shared by the binding's test files. */
import { expect } from 'vitest';
import { LibvirtError } from '../lib/index';

/** Awaits `promise`, expecting it to reject with a LibvirtError of one of `codeNames`; returns that error. */
export async function expectLibvirtError(promise: Promise<unknown>, ...codeNames: string[]): Promise<LibvirtError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected ${codeNames.join(' or ')}, but the call succeeded`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LibvirtError);
  expect(codeNames).toContain((error as LibvirtError).codeName);
  return error as LibvirtError;
}

/** Resolves with the first of `events` matching `predicate`, polling until `timeoutMs`. */
export function waitFor<T>(events: T[], predicate: (e: T) => boolean, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      const found = events.find(predicate);
      if (found) return resolve(found);
      if (Date.now() - started > timeoutMs) {
        return reject(new Error(`no matching event in ${timeoutMs} ms: ${JSON.stringify(events)}`));
      }
      setTimeout(poll, 10);
    };
    poll();
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
