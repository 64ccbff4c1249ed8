/**
 * The libvirt host driver on libvirt's test driver (the demo host, no daemon), with one call scripted to
 * fail the way a real host can: a VM whose metadata cannot be read, a daemon without the metadata event.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { gateOf, LibvirtError, subscribeDomainEvents, virDomainEventID, type Domain } from '../../../native-helpers/libvirt/lib/index';
import type { HostSession } from '../../core/hosts/HostDriver';
import { LibvirtHostDriver, libvirtConnectionOf, needsCallGate } from './LibvirtHostDriver';
import { readVmTags } from './vmTagsMetadata';

const DEMO_URI = `test://${join(import.meta.dirname, '..', '..', '..', 'assets', 'demo-host.xml')}`;
/** What libvirt raises for an internal failure (VIR_ERR_INTERNAL_ERROR = 1, VIR_FROM_DOMAIN = 20, error level). */
const internalError = (message: string) => new LibvirtError(message, { code: 1, domain: 20, level: 2 });

describe('LibvirtHostDriver', () => {
  let session: HostSession | undefined;
  afterEach(async () => {
    await session?.close();
    session = undefined;
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('lists a VM whose tags cannot be read without tags, the others as usual, and logs the reason once', async () => {
    vi.stubEnv('TANDEM_LOG_LEVEL', 'warn'); // whatever the run's level, the warning is written
    const warnings = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const driver = new LibvirtHostDriver({
      readTags: (d: Domain) => (d.getName() === 'db-replica' ? Promise.reject(internalError('metadata is unreadable')) : readVmTags(d)),
    });
    session = await driver.connect(DEMO_URI, {});
    const vms = await session.listVms();
    expect(vms.map((vm) => vm.name).sort()).toEqual(['build-runner', 'db-primary', 'db-replica', 'router-lab', 'web-frontend', 'windows-11']);
    expect(vms.find((vm) => vm.name === 'db-replica')!.tags).toEqual([]);
    await session.listVms();
    const logged = warnings.mock.calls.map((c) => String(c[0])).filter((m) => m.includes('db-replica'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('metadata is unreadable');
  });

  it('still fails the read of a VM that is gone (the listing then leaves it out)', async () => {
    const driver = new LibvirtHostDriver({
      readTags: (d: Domain) =>
        d.getName() === 'db-replica' ? Promise.reject(new LibvirtError('Domain not found', { code: 42, domain: 10, level: 2 })) : readVmTags(d),
    });
    session = await driver.connect(DEMO_URI, {});
    expect((await session.listVms()).map((vm) => vm.name)).not.toContain('db-replica');
  });

  it('connects to a host whose libvirt lacks the metadata-change event, and still reports lifecycle changes', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const driver = new LibvirtHostDriver({
      subscribe: (conn, eventId, callback) =>
        eventId === virDomainEventID.VIR_DOMAIN_EVENT_ID_METADATA_CHANGE
          ? // What a daemon older than the event answers (remote_dispatch: "unsupported event ID").
            Promise.reject(internalError(`unsupported event ID ${eventId}`))
          : subscribeDomainEvents(conn, eventId, callback),
    });
    session = await driver.connect(DEMO_URI, {});
    const web = (await session.listVms()).find((vm) => vm.name === 'web-frontend')!;
    const changed = new Promise<string>((resolve) => session!.onVmChange((c) => resolve(c.uuid)));
    await session.runVmAction(web.uuid, web.state === 'running' ? 'suspend' : 'start');
    await expect(changed).resolves.toBe(web.uuid);
  });
});

describe('which host connections get the call gate', () => {
  it('gates every connection to a libvirt daemon (keepalive may close it), never the in-process test driver', () => {
    expect(needsCallGate('qemu+tcp://127.0.2.2:16510/system')).toBe(true);
    expect(needsCallGate('qemu+ssh://me@lab.example/system')).toBe(true);
    expect(needsCallGate('qemu://lab.example/system')).toBe(true); // TLS by default
    expect(needsCallGate('qemu+tls://lab.example/system')).toBe(true);
    // A local daemon answers over the same remote client, with keepalive: a hung one is the same hazard.
    expect(needsCallGate('qemu:///system')).toBe(true);
    expect(needsCallGate('qemu+unix:///system?socket=/tmp/x/libvirt-sock')).toBe(true);
    expect(needsCallGate('test:///default')).toBe(false);
    expect(needsCallGate('test+unix:///default')).toBe(true); // a test driver inside a daemon
  });

  it('leaves the in-process test driver parallel', async () => {
    const session = await new LibvirtHostDriver().connect('test:///default', {});
    try {
      expect(gateOf(libvirtConnectionOf(session))).toBeUndefined();
    } finally {
      await session.close();
    }
  });
});
