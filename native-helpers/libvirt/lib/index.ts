/**
 * @tandem/libvirt: an N-API binding of the libvirt C API for Node and Electron.
 *
 * `openConnection(uri, {auth})` gives a Connection; everything that can reach a daemon is asynchronous and
 * runs off the JS thread; failures reject with LibvirtError; events arrive on the JS thread. See README.md.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyGate, CallGate } from './callGate';
import { virConnectFlags } from './constants.generated';
import { foldDomainEventPaths } from './events';
import { LibvirtError } from './LibvirtError';
import type { Connection, CredentialCallback, DomainEvent, NativeBinding } from './types';

export * from './types';
export * from './network';
export * from './storage';
export * from './secret';
export * from './constants.generated';
export * from './snapshot';
export * from './checkpoint';
export * from './jobs';
export { LibvirtError, type LibvirtErrorCodeName, type LibvirtErrorFields } from './LibvirtError';
export * from './stats';
export * from './node';
export * from './domainOps';
export * from './blockJobs';
export * from './migration';
export * from './events';
export * from './stream';
export * from './channels';
export * from './qemuMonitor';
export { CallGate, gateOf, LONG_CALLS } from './callGate';

/** The compiled addon's file name (packaged apps ship it beside their resources). */
export const ADDON_FILE = 'tandem_libvirt.node';

/** Where the compiled addon may be: an explicit path, next to the sources, or beside a bundled main. */
function addonCandidates(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    process.env.TANDEM_LIBVIRT_ADDON,
    join(here, '..', 'build', 'Release', ADDON_FILE),
    resolve('native-helpers', 'libvirt', 'build', 'Release', ADDON_FILE),
    join(here, ADDON_FILE),
  ];
  return candidates.filter((c): c is string => typeof c === 'string' && c.length > 0);
}

let binding: NativeBinding | undefined;

/** Loads the addon once. Throws with the paths it tried when it has not been built. */
export function loadBinding(): NativeBinding {
  if (binding) return binding;
  const path = addonCandidates().find((candidate) => existsSync(candidate));
  if (!path) {
    throw new Error(
      `The libvirt addon is not built (looked for ${addonCandidates().join(', ')}). Run: npm run build:native`,
    );
  }
  const loaded = createRequire(import.meta.url)(path) as NativeBinding;
  loaded.setErrorClass(LibvirtError);
  binding = loaded;
  return loaded;
}

export interface OpenOptions {
  readOnly?: boolean;
  /** Answers libvirt's credential prompts (ssh/tls/SASL passwords, the test driver's <auth>). */
  auth?: CredentialCallback;
  /**
   * At most one daemon call in flight on this connection, the others queued in order (lib/callGate.ts).
   * Use it on connections with keepalive: libvirt 9.0's client crashes the process when keepalive closes a
   * connection on which two calls wait. Long calls (LONG_CALLS) bypass the queue.
   */
  serializeCalls?: boolean;
}

/** virConnectOpenAuth. */
export async function openConnection(uri: string, options: OpenOptions = {}): Promise<Connection> {
  const flags = options.readOnly ? virConnectFlags.VIR_CONNECT_RO : 0;
  const conn = await loadBinding().connectOpen(uri, flags, options.auth);
  return options.serializeCalls ? applyGate(conn, new CallGate()) : conn;
}

/** Decodes libvirt's version numbers (major * 1e6 + minor * 1e3 + release) as "9.0.0". */
export function formatVersion(version: number): string {
  return `${Math.floor(version / 1_000_000)}.${Math.floor(version / 1000) % 1000}.${version % 1000}`;
}

/** A registration that can be undone: what every subscription returns. */
export interface Subscription {
  dispose(): Promise<void>;
}

/** Registers `callback` for one domain event id on every domain of `conn`, returning its Subscription. */
export async function subscribeDomainEvents(
  conn: Connection,
  eventId: number,
  callback: (event: DomainEvent) => void,
): Promise<Subscription> {
  const id = await conn.domainEventRegister(eventId, null, (e) => callback(foldDomainEventPaths(e)));
  let disposed = false;
  return {
    async dispose() {
      if (disposed || conn.isClosed()) return;
      disposed = true;
      await conn.domainEventDeregister(id);
    },
  };
}
