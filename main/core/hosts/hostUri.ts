/**
 * Validates host URIs before any connection attempt, so a typo gets a specific message rather than
 * libvirt's generic one, and derives stable host ids from them.
 */
import { InvalidInputError, UnsupportedError } from '../errors';

const QEMU_TRANSPORTS = new Set(['', 'ssh', 'libssh', 'libssh2', 'tls', 'tcp', 'unix', 'ext']);

export interface ParsedHostUri {
  uri: string;
  driver: 'qemu' | 'test';
  transport: string;
  remote: boolean;
}

export function parseHostUri(input: string): ParsedHostUri {
  const uri = input.trim();
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new InvalidInputError('host.uri-invalid', `"${uri}" is not a URI; try qemu:///system or qemu+ssh://user@host/system`, {
      details: { field: 'uri' },
    });
  }
  const [driver = '', transport = ''] = url.protocol.replace(/:$/, '').split('+');
  if (driver === 'hyperv') {
    throw new UnsupportedError('host.hyperv-unsupported', 'Hyper-V hosts are not supported yet by this build', {
      details: { field: 'uri' },
    });
  }
  if (driver === 'test') {
    if (transport) throw invalid(uri, 'the test driver takes no transport: test:///default or test:///path/to/node.xml');
    if (url.host) throw invalid(uri, 'test URIs have no host part: test:///default');
    return { uri, driver: 'test', transport: '', remote: false };
  }
  if (driver !== 'qemu') {
    throw invalid(uri, `unsupported driver "${driver}"; Tandem manages qemu (KVM/QEMU) hosts`);
  }
  if (!QEMU_TRANSPORTS.has(transport)) {
    throw invalid(uri, `unknown transport "${transport}"; use qemu+ssh, qemu+tls or qemu+tcp`);
  }
  if (url.pathname !== '/system' && url.pathname !== '/session') {
    throw invalid(uri, `the path must be /system or /session, not "${url.pathname || '(empty)'}"`);
  }
  const remote = url.host !== '';
  if ((transport === 'ssh' || transport === 'tls' || transport === 'tcp' || transport === 'libssh' || transport === 'libssh2') && !remote) {
    throw invalid(uri, `a ${transport} URI needs a host: qemu+${transport}://host/system`);
  }
  return { uri, driver: 'qemu', transport, remote };
}

function invalid(uri: string, why: string): InvalidInputError {
  return new InvalidInputError('host.uri-invalid', `Invalid host URI "${uri}": ${why}`, { details: { field: 'uri' } });
}

/** A readable, stable id for a URI: "qemu-tcp-127-0-0-2-16510-system". */
export function hostIdForUri(uri: string, taken: ReadonlySet<string>): string {
  const base =
    uri
      .toLowerCase()
      .replace(/\?.*$/, '')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 56) || 'host';
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}

/** A short display name: the host part, or the path for local URIs. */
export function defaultHostName(uri: string): string {
  try {
    const url = new URL(uri);
    if (url.hostname) return url.hostname;
    if (url.protocol === 'test:') return url.pathname === '/default' ? 'Test host' : (url.pathname.split('/').pop() ?? uri);
    return `Local (${url.pathname.replace(/^\//, '')})`;
  } catch {
    return uri;
  }
}
