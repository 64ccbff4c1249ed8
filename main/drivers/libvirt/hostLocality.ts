/**
 * Whether a libvirt host runs on this machine, judged from its URI alone: the consoles (a VNC port reached
 * through loopback) and the checkpoint engine (disk images, memory and TPM files handled by path with local
 * tools) need it. No host part (qemu:///system, qemu+unix:///session) or a loopback address (the test bed's
 * qemu+tcp://127.0.N.x hosts, qemu+ssh://localhost) is this machine; any other name or address is taken as
 * another machine, even if it happens to be one of this machine's own names: a wrong "remote" only refuses,
 * a wrong "local" would act on an unrelated local file at the same path. A URI that does not parse is remote.
 */
export function isThisMachine(uri: string): boolean {
  let host: string;
  try {
    host = new URL(uri).hostname;
  } catch {
    return false;
  }
  return host === '' || isLoopback(host);
}

/** localhost, ::1 (bracketed or not), or any 127.0.0.0/8 address. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}
