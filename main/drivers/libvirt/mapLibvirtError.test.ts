/**
 * The error kinds a caller acts on. The connection-loss errors are the ones libvirt 9.0's client gave when its
 * daemon was killed under a call (same code, domain and message; the real thing runs in
 * test/integration/testbed/connectionLoss.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { LibvirtError, virErrorDomain, virErrorLevel, virErrorNumber } from '../../../native-helpers/libvirt/lib/index';
import { HostUnreachableError, NotFoundError, OperationFailedError } from '../../core/errors';
import { isConnectionLoss, mapLibvirtError } from './mapLibvirtError';

const libvirtError = (message: string, code: keyof typeof virErrorNumber, domain: keyof typeof virErrorDomain) =>
  new LibvirtError(message, { code: virErrorNumber[code], domain: virErrorDomain[domain], level: virErrorLevel.VIR_ERR_ERROR });

describe('mapLibvirtError', () => {
  it.each([
    ['Cannot recv data: Connection reset by peer', 'VIR_ERR_SYSTEM_ERROR'],
    ['End of file while reading data: Input/output error', 'VIR_ERR_SYSTEM_ERROR'],
    ['internal error: client socket is closed', 'VIR_ERR_INTERNAL_ERROR'],
  ] as const)('a connection lost under a call (%s) is HostUnreachable, keeping libvirt\'s fields', (message, code) => {
    const error = libvirtError(message, code, 'VIR_FROM_RPC');
    expect(isConnectionLoss(error)).toBe(true);
    const mapped = mapLibvirtError(error, { details: { hostId: 'h' } });
    expect(mapped).toBeInstanceOf(HostUnreachableError);
    expect(mapped).toMatchObject({ code: `libvirt.${code}`, message, details: { hostId: 'h' }, libvirt: { codeName: code, domainName: 'VIR_FROM_RPC' } });
  });

  it('the same codes raised by a driver on the host stay OperationFailed (the host answered)', () => {
    const missingFolder = libvirtError("cannot open directory '/nope': No such file or directory", 'VIR_ERR_SYSTEM_ERROR', 'VIR_FROM_STORAGE');
    const qemu = libvirtError('internal error: process exited while connecting to monitor', 'VIR_ERR_INTERNAL_ERROR', 'VIR_FROM_QEMU');
    for (const error of [missingFolder, qemu]) {
      expect(isConnectionLoss(error)).toBe(false);
      expect(mapLibvirtError(error)).toBeInstanceOf(OperationFailedError);
    }
  });

  it('codes keep their kind; a system error while connecting is HostUnreachable; other errors pass untouched', () => {
    expect(mapLibvirtError(libvirtError('Domain not found', 'VIR_ERR_NO_DOMAIN', 'VIR_FROM_QEMU'))).toBeInstanceOf(NotFoundError);
    expect(mapLibvirtError(libvirtError('Connection refused', 'VIR_ERR_SYSTEM_ERROR', 'VIR_FROM_RPC'), { connecting: true })).toBeInstanceOf(HostUnreachableError);
    const bug = new TypeError('not libvirt');
    expect(mapLibvirtError(bug)).toBe(bug);
    expect(isConnectionLoss(bug)).toBe(false);
  });
});
