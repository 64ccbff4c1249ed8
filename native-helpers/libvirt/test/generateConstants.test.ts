import { describe, expect, it } from 'vitest';
import { parseEnums } from '../scripts/generate-constants';

const HEADER = `
/* a comment with typedef enum { in it } */
typedef enum {
    VIR_X_FIRST = 0,   /* (Since: 1.0) */
    VIR_X_SECOND,
    VIR_X_FLAG = (1 << 31),
    VIR_X_ADD_LAST = 7, /* a real value whose name ends in _LAST */
    VIR_X_ALIAS = VIR_X_SECOND,
# ifdef VIR_ENUM_SENTINELS
    VIR_X_LAST
# endif
} virX;
`;

describe('the libvirt constants generator', () => {
  it('evaluates values, keeps names ending in _LAST and drops only sentinel blocks', () => {
    const [parsed] = parseEnums(HEADER, new Map());
    expect(parsed).toEqual({
      name: 'virX',
      members: [
        ['VIR_X_FIRST', 0],
        ['VIR_X_SECOND', 1],
        ['VIR_X_FLAG', 2 ** 31],
        ['VIR_X_ADD_LAST', 7],
        ['VIR_X_ALIAS', 1],
      ],
    });
  });

  it('refuses what it cannot evaluate rather than guessing', () => {
    expect(() => parseEnums('typedef enum { VIR_Y = UNKNOWN_THING } virY;', new Map())).toThrow(/unknown constant UNKNOWN_THING/);
  });
});
