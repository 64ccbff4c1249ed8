import { describe, expect, it } from 'vitest';
import { memoryNote } from './memoryNote';

const names = (id: string) => (id === 'p' ? 'before upgrade' : '?');

describe('memoryNote', () => {
  it('says a memory state is encrypted, and whether it is whole or changes since another checkpoint', () => {
    expect(memoryNote({ kind: 'memory', memoryBaseId: null, memoryFullBytes: 96 * 1024 * 1024 }, names)).toBe('memory encrypted, stored whole (96 MiB)');
    expect(memoryNote({ kind: 'memory', memoryBaseId: 'p', memoryFullBytes: 96 * 1024 * 1024 }, names)).toBe(
      'memory encrypted, stored as changes since “before upgrade” (of 96 MiB)',
    );
  });

  it('says nothing for a disk-only checkpoint or one from before sealed states', () => {
    expect(memoryNote({ kind: 'disk-only' }, names)).toBe('');
    expect(memoryNote({ kind: 'memory' }, names)).toBe('');
  });
});
