/**
 * typed_params.cc through the `_typedParamsRoundTrip` test hook: JS object -> virTypedParameter[] ->
 * JS object, for every libvirt parameter type, and the TypeErrors raised before anything reaches libvirt.
 */
import { describe, expect, it } from 'vitest';
import { LibvirtError, loadBinding, virTypedParameterType as T } from '../lib/index';

const roundTrip = (values: Record<string, unknown>, schema: Record<string, number>) =>
  loadBinding()._typedParamsRoundTrip(values, schema);

describe('typed parameters', () => {
  it('carries every type both ways', () => {
    const schema = {
      int: T.VIR_TYPED_PARAM_INT,
      uint: T.VIR_TYPED_PARAM_UINT,
      llong: T.VIR_TYPED_PARAM_LLONG,
      ullong: T.VIR_TYPED_PARAM_ULLONG,
      double: T.VIR_TYPED_PARAM_DOUBLE,
      bool: T.VIR_TYPED_PARAM_BOOLEAN,
      string: T.VIR_TYPED_PARAM_STRING,
    };
    const values = {
      int: -2147483648,
      uint: 4294967295,
      llong: -(2 ** 53 - 1),
      ullong: 2 ** 53 - 1,
      double: 0.25,
      bool: true,
      string: 'disk é',
    };
    expect(roundTrip(values, schema)).toEqual(values);
  });

  it('accepts BigInts for 64-bit fields, and repeats a string field given as an array', () => {
    const out = roundTrip(
      { big: 2n ** 60n, neg: -5n, disks: ['vda', 'vdb'] },
      { big: T.VIR_TYPED_PARAM_ULLONG, neg: T.VIR_TYPED_PARAM_LLONG, disks: T.VIR_TYPED_PARAM_STRING },
    );
    expect(out).toEqual({ big: 2 ** 60, neg: -5, disks: ['vda', 'vdb'] });
  });

  it('rejects a negative BigInt for an unsigned field', () => {
    expect(() => roundTrip({ a: -1n }, { a: T.VIR_TYPED_PARAM_ULLONG })).toThrow(/non-negative/);
  });

  it('skips undefined fields', () => {
    expect(roundTrip({ a: undefined, b: 1 }, { a: T.VIR_TYPED_PARAM_INT, b: T.VIR_TYPED_PARAM_INT })).toEqual({ b: 1 });
  });

  it.each([
    [{ nope: 1 }, { other: T.VIR_TYPED_PARAM_INT }, /unknown parameter 'nope'/],
    [{ a: 2 ** 31 }, { a: T.VIR_TYPED_PARAM_INT }, /a must be a 32-bit integer/],
    [{ a: -1 }, { a: T.VIR_TYPED_PARAM_UINT }, /unsigned 32-bit/],
    [{ a: 1.5 }, { a: T.VIR_TYPED_PARAM_ULLONG }, /non-negative safe integer/],
    [{ a: 2 ** 53 }, { a: T.VIR_TYPED_PARAM_LLONG }, /safe integer/],
    [{ a: Number.NaN }, { a: T.VIR_TYPED_PARAM_DOUBLE }, /finite number/],
    [{ a: 1 }, { a: T.VIR_TYPED_PARAM_BOOLEAN }, /boolean/],
    [{ a: 1 }, { a: T.VIR_TYPED_PARAM_STRING }, /string/],
    [{ a: ['x', 2] }, { a: T.VIR_TYPED_PARAM_STRING }, /string/],
  ])('rejects %j typed %j with a TypeError', (values, schema, message) => {
    expect(() => roundTrip(values, schema)).toThrow(TypeError);
    expect(() => roundTrip(values, schema)).toThrow(message);
  });

  it('rejects a non-object', () => {
    expect(() => roundTrip([] as unknown as Record<string, unknown>, {})).toThrow(TypeError);
  });

  it("reports libvirt's own refusal (a field name longer than libvirt allows) as a LibvirtError", () => {
    const field = 'x'.repeat(100);
    let error: unknown;
    try {
      roundTrip({ [field]: 1 }, { [field]: T.VIR_TYPED_PARAM_INT });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LibvirtError);
  });
});
