/** Typed failures of the delta engine; each says which input is at fault. */

/** The delta stream is not a delta, is of an unknown version, is truncated, or its contents do not verify. */
export class DeltaCorruptError extends Error {
  override readonly name = 'DeltaCorruptError';
  constructor(
    readonly reason: 'not-a-delta' | 'unsupported-version' | 'truncated' | 'malformed' | 'hash-mismatch' | 'trailing-data',
    message: string,
  ) {
    super(message);
  }
}

/** The parent given to applyDelta is not the one the delta was made against (size or a chunk's hash differs). */
export class DeltaParentMismatchError extends Error {
  override readonly name = 'DeltaParentMismatchError';
  constructor(message: string) {
    super(message);
  }
}
