/**
 * Why a sealed memory-state file was refused. All are OperationFailed at the contract (the revert cannot
 * proceed), each with its own code so the UI can say what is wrong and callers can branch on the class.
 */
import { TandemError, type TandemErrorOptions } from '../errors';

export abstract class MemoryStateError extends TandemError {
  readonly kind = 'OperationFailed';
  constructor(code: string, message: string, options?: TandemErrorOptions) {
    super(code, message, options);
  }
}

/** The checkpoint's memory-state file is not there. */
export class MemoryStateMissingError extends MemoryStateError {
  constructor(path: string) {
    super('memory-state.missing', `the memory-state file ${path} does not exist`, { details: { path } });
  }
}

/** Not a sealed memory-state file at all (wrong magic). */
export class MemoryStateNotSealedError extends MemoryStateError {
  constructor(path: string) {
    super('memory-state.not-sealed', `${path} is not a sealed Tandem memory-state file`, { details: { path } });
  }
}

/** A format version this build cannot read. */
export class MemoryStateUnsupportedVersionError extends MemoryStateError {
  constructor(path: string, version: number) {
    super('memory-state.unsupported-version', `${path} is sealed with format version ${version}, which this Tandem cannot read`, {
      details: { path, version },
    });
  }
}

/** The file ends early: a record is cut, or the final record is missing. */
export class MemoryStateTruncatedError extends MemoryStateError {
  constructor(path: string, detail: string) {
    super('memory-state.truncated', `${path} is truncated: ${detail}`, { details: { path } });
  }
}

/** A record fails authentication (a changed byte, records swapped or replayed, another key), or bytes follow the end. */
export class MemoryStateTamperedError extends MemoryStateError {
  constructor(path: string, detail: string) {
    super('memory-state.tampered', `${path} failed its integrity check: ${detail}`, { details: { path } });
  }
}

/** The file belongs to another VM or checkpoint than the one being reverted. */
export class MemoryStateIdentityMismatchError extends MemoryStateError {
  constructor(path: string, field: string, expected: string | null, found: string | null) {
    super('memory-state.identity-mismatch', `${path} belongs to ${field} ${found ?? 'none'}, not ${expected ?? 'none'}`, {
      details: { path, field, expected, found },
    });
  }
}

/** The file was made against another parent checkpoint than the one it is being applied to. */
export class MemoryStateParentMismatchError extends MemoryStateError {
  constructor(path: string, expected: string | null, found: string | null) {
    super('memory-state.parent-mismatch', `${path} was made against parent ${found ?? 'none'}, not ${expected ?? 'none'}`, {
      details: { path, expected, found },
    });
  }
}

/** The keychain no longer holds the key the file was sealed with. */
export class MemoryStateKeyUnavailableError extends MemoryStateError {
  constructor(path: string, keyId: string) {
    super('memory-state.key-unavailable', `the key ${keyId} that sealed ${path} is not in the keychain`, { details: { path, keyId } });
  }
}
