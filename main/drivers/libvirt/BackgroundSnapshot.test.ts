/**
 * Which libvirt URIs can carry file descriptors (the background snapshot needs one); the rest runs on the test
 * bed. Plus one failure the test bed cannot produce on demand (a lost call right after QEMU's write completed,
 * where a descriptor-carrying connection cannot go through a reply proxy): a scripted binding domain.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { virDomainEventType, virDomainState, type Connection, type Domain, type DomainEvent } from '../../../native-helpers/libvirt/lib/index';
import { passesFileDescriptors, probe, take } from './BackgroundSnapshot';

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

/** A domain whose QEMU answers QMP as 7.2 does for a background snapshot that completes at once. */
function scriptedDomain(failCapabilityOff: () => boolean, loseReplyToOn = false) {
  const sent: string[] = [];
  let listener: ((event: DomainEvent) => void) | undefined;
  const emit = (type: number) => setImmediate(() => listener?.({ event: 'lifecycle', type, detail: 0 } as DomainEvent));
  const capability = { on: false };
  let state: number = virDomainState.VIR_DOMAIN_RUNNING;
  const qmp = (cmd: string): string => {
    const { execute, arguments: args } = JSON.parse(cmd) as { execute: string; arguments?: { capabilities?: Array<{ state: boolean }> } };
    sent.push(execute);
    switch (execute) {
      case 'query-migrate-capabilities':
        return JSON.stringify({ return: [{ capability: 'background-snapshot', state: capability.on }] });
      case 'query-memory-size-summary':
        return JSON.stringify({ return: { 'base-memory': 1024 * 1024 } });
      case 'migrate-set-capabilities': {
        const on = args!.capabilities![0]!.state;
        if (!on && failCapabilityOff()) throw new Error('client socket is closed');
        capability.on = on;
        // QEMU did it; the reply never came back (the connection dropped right then).
        if (on && loseReplyToOn) throw new Error('client socket is closed');
        return JSON.stringify({ return: {} });
      }
      case 'migrate':
        state = virDomainState.VIR_DOMAIN_RUNNING;
        emit(virDomainEventType.VIR_DOMAIN_EVENT_RESUMED);
        return JSON.stringify({ return: {} });
      case 'query-migrate':
        return JSON.stringify({ return: { status: 'completed' } });
      default:
        return JSON.stringify({ return: {} });
    }
  };
  const dom = {
    getName: () => 'scripted',
    getXMLDesc: async () => '<domain type="kvm"><name>scripted</name></domain>',
    qemuMonitorCommand: async (cmd: string) => qmp(cmd),
    qemuMonitorCommandWithFiles: async (cmd: string) => ({ result: qmp(cmd), fds: [] }),
    suspend: async () => {
      state = virDomainState.VIR_DOMAIN_PAUSED;
      emit(virDomainEventType.VIR_DOMAIN_EVENT_SUSPENDED);
    },
    snapshotCreateXML: async () => ({ free: () => undefined }),
    getState: async () => ({ state, reason: 0 }),
    resume: async () => {
      state = virDomainState.VIR_DOMAIN_RUNNING;
    },
  } as unknown as Domain;
  const conn = {
    getURI: async () => 'qemu:///system',
    domainEventRegister: async (_id: number, _dom: Domain, cb: (event: DomainEvent) => void) => {
      listener = cb;
      return 1;
    },
    domainEventDeregister: async () => {
      listener = undefined;
    },
  } as unknown as Connection;
  return { dom, conn, capability, sent };
}

describe('take', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tandem-bgsnap-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const request = () => ({ name: 'tandem-x', overlays: [], memoryFile: join(dir, 'x.mem'), quiesce: false });
  const fallBack = () => Promise.reject(new Error('no fallback expected'));

  it('does not report a take whose background-snapshot capability could not be switched off as done (the caller recovers)', async () => {
    const { dom, conn, capability } = scriptedDomain(() => true);
    await expect(take(conn, dom, request(), () => '<domainsnapshot/>', fallBack)).rejects.toThrow(/client socket is closed/);
    expect(capability.on).toBe(true); // what the caller's recovery (settle) is then told to switch off
  });

  it('never falls back to the live snapshot (a QEMU migration too) while the capability may be on: a lost reply to "on" is switched off first', async () => {
    const { dom, conn, capability, sent } = scriptedDomain(() => false, true);
    const fellBack: string[] = [];
    const live = async (reason: string) => {
      fellBack.push(`${reason}, capability ${capability.on ? 'on' : 'off'}`);
      return { stunMs: 1, wallMs: 1, memoryMethod: 'live-snapshot' as const };
    };
    await expect(take(conn, dom, request(), () => '<domainsnapshot/>', live)).resolves.toMatchObject({ memoryMethod: 'live-snapshot' });
    expect(fellBack).toEqual(['client socket is closed, capability off']);
    expect(sent.filter((c) => c === 'migrate-set-capabilities')).toHaveLength(2);

    // When the switch-off fails too, the take fails (the engine's journal sends it to recovery) instead.
    const broken = scriptedDomain(() => true, true);
    await expect(take(broken.conn, broken.dom, { ...request(), memoryFile: join(dir, 'y.mem') }, () => '<domainsnapshot/>', live)).rejects.toThrow(/client socket is closed/);
    expect(fellBack).toHaveLength(1);
    expect(broken.capability.on).toBe(true);
  });

  it('switches the capability off once the write completed', async () => {
    const { dom, conn, capability } = scriptedDomain(() => false);
    const outcome = await take(conn, dom, request(), () => '<domainsnapshot/>', fallBack);
    expect(outcome).toMatchObject({ memoryMethod: 'background-snapshot' });
    expect(outcome.stunMs).not.toBeNull();
    expect(capability.on).toBe(false);
  });
});

describe('probe', () => {
  it('only reads: no descriptor passed, the capability never switched (a lost second call could leave it on)', async () => {
    const { dom, conn, sent } = scriptedDomain(() => false);
    expect(await probe(conn, dom)).toBeNull();
    expect(sent).toEqual(['query-migrate-capabilities', 'query-migrate']);
  });
});
