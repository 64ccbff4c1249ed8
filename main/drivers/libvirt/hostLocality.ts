import { isIPv4 } from 'node:net';

/**
 * Whether a libvirt host runs on this machine, judged from its URI alone: the consoles (a VNC port reached
 * through loopback) and the checkpoint engine (disk images, memory and TPM files handled by path with local
 * tools) need it. No host part (qemu:///system, qemu+unix:///session) or a loopback address (the test bed's
 * qemu+tcp://127.0.N.x hosts, qemu+ssh://localhost) is this machine; any other name or address is taken as
 * another machine, even if it happens to be one of this machine's own names: a wrong "remote" only refuses,
 * a wrong "local" would act on an unrelated local file at the same path. A URI that does not parse, or that
 * uses the ext transport (a command of the user's reaches the daemon), is remote.
 */
export function isThisMachine(uri: string): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  // The ext transport runs a command of the user's to reach the daemon, wherever it is.
  if (url.protocol.endsWith('+ext:')) return false;
  return url.hostname === '' || isLoopback(url.hostname);
}

/** localhost, ::1 (bracketed or not), or any 127.0.0.0/8 address (a 127.x that is no address is a name to look up). */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || (isIPv4(bare) && bare.startsWith('127.'));
}
