import { describe, expect, it } from 'vitest';
import { InvalidInputError, UnsupportedError } from '../errors';
import { defaultHostName, hostIdForUri, parseHostUri } from './hostUri';

describe('parseHostUri', () => {
  it.each([
    ['qemu:///system', 'qemu', '', false],
    ['qemu:///session', 'qemu', '', false],
    ['qemu+ssh://alice@lab.example/system', 'qemu', 'ssh', true],
    ['qemu+tls://hv1.example:16514/system', 'qemu', 'tls', true],
    ['qemu+tcp://127.0.0.2:16510/system', 'qemu', 'tcp', true],
    ['qemu:///system?socket=/tmp/x/libvirt-sock', 'qemu', '', false],
    ['test:///default', 'test', '', false],
    ['  test:///tmp/node.xml  ', 'test', '', false],
  ])('accepts %s', (uri, driver, transport, remote) => {
    expect(parseHostUri(uri)).toEqual({ uri: uri.trim(), driver, transport, remote });
  });

  it.each([
    ['not a uri', /is not a URI/],
    ['ftp://host/system', /unsupported driver "ftp"/],
    ['qemu+bogus://h/system', /unknown transport "bogus"/],
    ['qemu:///', /path must be \/system or \/session/],
    ['qemu+ssh:///system', /needs a host/],
    ['test+ssh:///default', /takes no transport/],
    ['test://host/default', /no host part/],
  ])('rejects %s with a specific message', (uri, message) => {
    const error = (() => {
      try {
        parseHostUri(uri);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(message);
  });

  it('says Hyper-V is not supported yet rather than invalid', () => {
    expect(() => parseHostUri('hyperv://winbox/?transport=http')).toThrow(UnsupportedError);
  });
});

describe('host ids and names', () => {
  it('derives readable unique ids', () => {
    expect(hostIdForUri('qemu+tcp://127.0.0.2:16510/system', new Set())).toBe('qemu-tcp-127-0-0-2-16510-system');
    expect(hostIdForUri('qemu:///system?socket=/x', new Set())).toBe('qemu-system');
    expect(hostIdForUri('qemu:///system', new Set(['qemu-system']))).toBe('qemu-system-2');
  });

  it('names hosts after their host part', () => {
    expect(defaultHostName('qemu+ssh://alice@lab.example/system')).toBe('lab.example');
    expect(defaultHostName('qemu:///session')).toBe('Local (session)');
    expect(defaultHostName('test:///default')).toBe('Test host');
  });
});
