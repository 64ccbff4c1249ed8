import { describe, expect, it } from 'vitest';
import { loopbackTarget, passesDescriptors } from './LibvirtConsolePort';

describe('where a VNC server may be reached from', () => {
  it('passes descriptors only over unix-socket connections', () => {
    expect(passesDescriptors('qemu:///system')).toBe(true);
    expect(passesDescriptors('qemu:///system?socket=/tmp/x/libvirt-sock')).toBe(true);
    expect(passesDescriptors('qemu+unix:///session')).toBe(true);
    expect(passesDescriptors('qemu+tcp://127.0.0.2:16510/system')).toBe(false);
    expect(passesDescriptors('qemu+ssh://me@host/system')).toBe(false);
    expect(passesDescriptors('qemu://host/system')).toBe(false); // TLS by default
  });

  it('connects through loopback only', () => {
    expect(loopbackTarget('127.0.0.1')).toBe('127.0.0.1');
    expect(loopbackTarget('::1')).toBe('::1');
    expect(loopbackTarget('0.0.0.0')).toBe('127.0.0.1');
    expect(loopbackTarget(undefined)).toBe('127.0.0.1');
    expect(loopbackTarget('192.168.1.10')).toBeUndefined();
  });
});
