/** Which libvirt URIs can carry file descriptors (the background snapshot needs one); the rest runs on the test bed. */
import { describe, expect, it } from 'vitest';
import { passesFileDescriptors } from './BackgroundSnapshot';

describe('passesFileDescriptors', () => {
  it('is true for local unix-socket URIs only', () => {
    for (const uri of ['qemu:///system', 'qemu:///session', 'qemu:///system?socket=/run/x/libvirt-sock', 'qemu+unix:///system', 'QEMU+UNIX:///system?socket=/s', 'qemu+unix://ignored/system']) {
      expect(passesFileDescriptors(uri)).toBe(true);
    }
    for (const uri of ['qemu+tcp://127.0.0.2:16510/system', 'qemu+ssh://user@host/system', 'qemu+tls://host/system', 'qemu://host/system', 'qemu+libssh2://h/system', 'qemu+ext:///system?command=/opt/connect', 'not a uri', '']) {
      expect(passesFileDescriptors(uri)).toBe(false);
    }
  });
});
