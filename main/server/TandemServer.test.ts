import { describe, expect, it } from 'vitest';
import { closeReason } from './TandemServer';

describe('closeReason', () => {
  it('keeps a short message and cuts a long one to 123 bytes of UTF-8 at a character boundary', () => {
    expect(closeReason('The VM stopped.')).toBe('The VM stopped.');
    const moved = `The VM moved to ${'服务器'.repeat(40)}.`;
    const reason = closeReason(moved);
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
    expect(moved.startsWith(reason)).toBe(true);
    expect(Buffer.from(reason).toString('utf8')).toBe(reason); // no half character
    expect(Buffer.byteLength(reason)).toBeGreaterThan(120);
  });
});
