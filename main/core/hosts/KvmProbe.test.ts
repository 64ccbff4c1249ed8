/**
 * The KVM probe's rules with a scripted port: once per session and shared, a new session probes again, a
 * dropped host is no verdict, leftovers are removed at connect before the probe, libvirt's reason made
 * readable. The probe against real daemons: test/integration/testbed/kvmProbe.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Emitter } from '../Emitter';
import { HostUnreachableError } from '../errors';
import { deferred, flush, ScriptedSession } from '../testing/scripted';
import { XmlDocument, XmlNode } from '../xml/XmlDocument';
import type { HostSession } from './HostDriver';
import type { HostSessionOpened } from './HostManager';
import { isKvmProbeDomain, KVM_PROBE_NAME_PREFIX, KvmProbe, kvmProbeDomainXml, readableReason, type KvmProbePort, type ProbeStart } from './KvmProbe';

const MSR_FAILURE =
  "internal error: qemu unexpectedly closed the monitor: 2026-11-26T03:45:43.368987Z qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69\n" +
  "qemu-system-x86_64: ../../target/i386/kvm/kvm.c:3183: kvm_buf_set_msrs: Assertion `ret == cpu->kvm_msr_buf->nmsrs' failed.";

type StartOutcome = ProbeStart | Error;

class ScriptedProbePort implements KvmProbePort {
  readonly starts: Array<{ session: HostSession; xml: string }> = [];
  readonly cleanups: Array<{ session: HostSession; prefix: string }> = [];
  outcomes: StartOutcome[] = [];
  cleanup: Promise<string[]> | Error = Promise.resolve([]);
  async startPausedAndDestroy(session: HostSession, xml: string) {
    this.starts.push({ session, xml });
    const outcome = this.outcomes.shift() ?? { started: true };
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }
  async destroyTransientDomainsNamed(session: HostSession, prefix: string) {
    this.cleanups.push({ session, prefix });
    if (this.cleanup instanceof Error) throw this.cleanup;
    return this.cleanup;
  }
}

function setup() {
  const port = new ScriptedProbePort();
  const sessionOpened = new Emitter<HostSessionOpened>();
  let current: HostSession | undefined;
  const hosts = {
    session: (hostId: string) => {
      if (!current) throw new HostUnreachableError('host.not-connected', `Host "${hostId}" is not connected`);
      return current;
    },
    sessionOpened,
  };
  let n = 0;
  const probe = new KvmProbe({ hosts, port, nameSuffix: () => `p${++n}` });
  const connect = () => {
    current = new ScriptedSession();
    sessionOpened.emit({ hostId: 'h1', session: current });
    return current;
  };
  return { port, probe, connect };
}

describe('KvmProbe', () => {
  it('probes once per connection, shared by concurrent askers; a new connection probes again', async () => {
    const { port, probe, connect } = setup();
    const first = connect();
    const verdicts = await Promise.all([probe.verdict('h1', 'x86_64'), probe.verdict('h1', 'x86_64')]);
    expect(await probe.verdict('h1', 'x86_64')).toEqual({ usable: true });
    expect(verdicts).toEqual([{ usable: true }, { usable: true }]);
    expect(port.starts).toHaveLength(1);
    expect(port.starts[0]!.session).toBe(first);

    const second = connect();
    port.outcomes.push({ started: false, reason: MSR_FAILURE });
    expect(await probe.verdict('h1', 'x86_64')).toEqual({
      usable: false,
      reason:
        "internal error: qemu unexpectedly closed the monitor: qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69; qemu-system-x86_64: ../../target/i386/kvm/kvm.c:3183: kvm_buf_set_msrs: Assertion `ret == cpu->kvm_msr_buf->nmsrs' failed.",
    });
    await probe.verdict('h1', 'x86_64');
    expect(port.starts.map((s) => s.session)).toEqual([first, second]);
  });

  it('keeps no verdict when the host dropped during the probe: the next asker probes again', async () => {
    const { port, probe, connect } = setup();
    connect();
    port.outcomes.push(new HostUnreachableError('libvirt.VIR_ERR_SYSTEM_ERROR', 'End of file while reading data'));
    await expect(probe.verdict('h1', 'x86_64')).rejects.toBeInstanceOf(HostUnreachableError);
    expect(await probe.verdict('h1', 'x86_64')).toEqual({ usable: true });
    expect(port.starts).toHaveLength(2);
  });

  it('a connection libvirt does not let create domains learns nothing about KVM: the capabilities stand, kept for the connection', async () => {
    const { port, probe, connect } = setup();
    connect();
    port.outcomes.push({ denied: 'operation forbidden: read only access prevents virDomainCreateXML' });
    expect(await probe.verdict('h1', 'x86_64')).toEqual({ usable: true });
    expect(await probe.verdict('h1', 'x86_64')).toEqual({ usable: true });
    expect(port.starts).toHaveLength(1);
  });

  it('refuses to probe a host that is not connected', async () => {
    const { port, probe } = setup();
    expect(() => probe.verdict('h1', 'x86_64')).toThrow(HostUnreachableError);
    expect(port.starts).toEqual([]);
  });

  it('removes probe domains left by an earlier connection when a session opens, before its own probe', async () => {
    const { port, probe, connect } = setup();
    const leftovers = deferred<string[]>();
    port.cleanup = leftovers.promise;
    const session = connect();
    expect(port.cleanups).toEqual([{ session, prefix: KVM_PROBE_NAME_PREFIX }]);
    const verdict = probe.verdict('h1', 'x86_64');
    await flush();
    expect(port.starts).toEqual([]); // a clean-up listing its probe domain would destroy it mid-start
    leftovers.resolve([`${KVM_PROBE_NAME_PREFIX}old`]);
    await expect(verdict).resolves.toEqual({ usable: true });
    expect(port.starts).toHaveLength(1);
  });

  it('still probes when the clean-up failed', async () => {
    const { port, probe, connect } = setup();
    port.cleanup = new Error('listing failed');
    connect();
    await expect(probe.verdict('h1', 'x86_64')).resolves.toEqual({ usable: true });
  });

  it('starts a minimal KVM domain with the CPU mode of deployed guests, under a recognisable unique name', async () => {
    const { port, probe, connect } = setup();
    connect();
    await probe.verdict('h1', 'x86_64');
    const domain = new XmlNode(XmlDocument.parse(port.starts[0]!.xml).root);
    expect(domain.value('@type')).toBe('kvm');
    expect(domain.value('name')).toBe(`${KVM_PROBE_NAME_PREFIX}p1`);
    expect(isKvmProbeDomain(domain.value('name')!)).toBe(true);
    expect(domain.value('os/type/@arch')).toBe('x86_64');
    expect(domain.value('cpu/@mode')).toBe('host-model');
    expect(domain.value('memory')).toBe('16');
    expect(domain.elements('devices/disk')).toEqual([]);
    expect(isKvmProbeDomain('web-1')).toBe(false);
  });

  it("builds XML that libvirt's schema accepts (virt-xml-validate)", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tandem-kvm-probe-'));
    try {
      await writeFile(join(dir, 'probe.xml'), kvmProbeDomainXml(`${KVM_PROBE_NAME_PREFIX}abc`, 'x86_64'));
      await promisify(execFile)('virt-xml-validate', [join(dir, 'probe.xml'), 'domain']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("makes libvirt's reason one line without QEMU's timestamps", () => {
    expect(readableReason('internal error: x: 2026-01-02T03:04:05.123456Z qemu: error: a\nqemu: b\n')).toBe('internal error: x: qemu: error: a; qemu: b');
    expect(readableReason("unsupported configuration: Domain requires KVM, but it is not available")).toBe(
      'unsupported configuration: Domain requires KVM, but it is not available',
    );
  });
});
