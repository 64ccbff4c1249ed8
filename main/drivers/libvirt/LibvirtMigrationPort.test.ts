import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostManager } from '../../core/hosts/HostManager';
import { libvirtLifecycleOf, LibvirtHostDriver } from './LibvirtHostDriver';
import { LibvirtMigrationPort } from './LibvirtMigrationPort';

const DEMO = `test://${join(resolve(import.meta.dirname, '..', '..', '..'), 'assets', 'demo-host.xml')}`;
const RUNNING_UUID = '7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100001';

describe('LibvirtMigrationPort on libvirt\'s test driver', () => {
  const hosts = new HostManager({ drivers: [new LibvirtHostDriver()], firstRetryMs: 3_600_000 });
  const port = new LibvirtMigrationPort(hosts);
  let sourceId: string;

  beforeAll(async () => {
    sourceId = (await hosts.add(DEMO)).id;
    // Registered, never connected (nothing listens on port 1): its session is HostUnreachable.
    hosts.register({ id: 'gone', uri: 'qemu+tcp://127.0.0.1:1/system', name: 'gone', kind: 'libvirt', persisted: false });
  });
  afterAll(() => hosts.dispose());

  it('a destination that dropped before the migration started leaves no watch on the source behind', async () => {
    const lifecycle = libvirtLifecycleOf(hosts.session(sourceId));
    const before = lifecycle.size;
    await expect(
      port.migrate(
        { hostId: sourceId, uuid: RUNNING_UUID },
        { hostId: 'gone', uri: 'qemu+tcp://127.0.0.1:1/system' },
        { mode: 'live', storage: 'shared', allowUnsafe: false },
        { signal: new AbortController().signal, onSample: () => undefined, onArrived: () => undefined },
      ),
    ).rejects.toMatchObject({ kind: 'HostUnreachable' });
    expect(lifecycle.size).toBe(before);
  });
});
