import { describe, expect, it } from 'vitest';
import { isLoopback, isThisMachine } from './hostLocality';

describe('whether a libvirt URI is a host on this machine', () => {
  it.each([
    ['qemu:///system', true],
    ['qemu:///session', true],
    ['qemu+unix:///system', true],
    ['qemu:///system?socket=/tmp/tb/libvirt-sock', true],
    ['test:///default', true],
    ['qemu+tcp://127.0.3.2:16510/system', true],
    ['qemu+tcp://127.0.0.1/system', true],
    ['qemu+ssh://localhost/system', true],
    ['qemu+ssh://user@LOCALHOST/system', true],
    ['qemu+tcp://[::1]/system', true],
    ['qemu+tcp://[::1]:16509/system', true],
    ['qemu+ssh://user@box/system', false],
    ['qemu+tls://box.lan/system', false],
    ['qemu://box.lan/system', false],
    ['qemu+tcp://10.0.0.5/system', false],
    ['qemu+tcp://[fe80::1]/system', false],
    ['qemu+ssh://127.0.0.1.example.com/system', false],
  ])('%s -> %s', (uri, local) => {
    expect(isThisMachine(uri)).toBe(local);
  });

  it("takes the ext transport as another machine: it runs a command of the user's that may lead anywhere", () => {
    expect(isThisMachine('qemu+ext:///system?command=/usr/local/bin/to-box')).toBe(false);
    expect(isThisMachine('QEMU+EXT:///system?command=/usr/local/bin/to-box')).toBe(false);
  });

  it('takes a 127.x name that is no IPv4 address (looked up by name then) as another machine', () => {
    expect(isThisMachine('qemu+tcp://127.256.0.1/system')).toBe(false);
    expect(isThisMachine('qemu+tcp://127.09.0.1/system')).toBe(false);
    expect(isLoopback('127.0.0.999')).toBe(false);
  });

  it('takes a URI it cannot parse as another machine', () => {
    expect(isThisMachine('')).toBe(false);
    expect(isThisMachine('not a uri')).toBe(false);
    expect(isThisMachine('qemu+tcp://[::1/system')).toBe(false);
  });

  it('knows loopback addresses, bare or bracketed', () => {
    expect(isLoopback('127.255.0.9')).toBe(true);
    expect(isLoopback('[::1]')).toBe(true);
    expect(isLoopback('128.0.0.1')).toBe(false);
    expect(isLoopback('127.0.0')).toBe(false);
  });
});
