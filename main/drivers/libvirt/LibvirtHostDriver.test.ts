import { describe, expect, it } from 'vitest';
import { gateOf } from '../../../native-helpers/libvirt/lib/index';
import { isRemoteTransport, LibvirtHostDriver, libvirtConnectionOf } from './LibvirtHostDriver';

describe('which host connections get the call gate', () => {
  it('gates URIs naming a host (keepalive on), not local sockets or the test driver', () => {
    expect(isRemoteTransport('qemu+tcp://127.0.2.2:16510/system')).toBe(true);
    expect(isRemoteTransport('qemu+ssh://me@lab.example/system')).toBe(true);
    expect(isRemoteTransport('qemu://lab.example/system')).toBe(true); // TLS by default
    expect(isRemoteTransport('qemu+tls://lab.example/system')).toBe(true);
    expect(isRemoteTransport('qemu:///system')).toBe(false);
    expect(isRemoteTransport('qemu+unix:///system?socket=/tmp/x/libvirt-sock')).toBe(false);
    expect(isRemoteTransport('test:///default')).toBe(false);
    expect(isRemoteTransport('not a uri')).toBe(false);
  });

  it('leaves a local session parallel', async () => {
    const session = await new LibvirtHostDriver().connect('test:///default', {});
    try {
      expect(gateOf(libvirtConnectionOf(session))).toBeUndefined();
    } finally {
      await session.close();
    }
  });
});
