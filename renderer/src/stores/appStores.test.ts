import { describe, expect, it, vi } from 'vitest';
import { createContractClient } from '../../../preload/client';
import { host, vm, vmDetail } from '../testing/fixtures';
import { createMemoryTransport, settle } from '../testing/memoryTransport';
import { createAppStores } from './appStores';
import { vmKey } from './vmsStore';

describe('createAppStores', () => {
  it('subscribes before loading, then loads info, hosts and VMs', async () => {
    const memory = createMemoryTransport();
    const a = vm({ name: 'a' });
    memory.reply('app.info', () => ({ version: '1.2.3', mode: 'browser' }));
    memory.reply('hosts.list', () => [host()]);
    memory.reply('vms.list', () => [a]);
    memory.reply('favorites.list', () => ({ favorites: [] }));
    memory.reply('credentials.pending', () => []);
    memory.reply('jobs.list', () => []);
    memory.reply('monitoring.getSettings', () => ({ intervalSeconds: 2 }));
    memory.reply('alerts.list', () => []);
    const stores = createAppStores(createContractClient(memory.transport), { autoDismissMs: 0 });
    expect(memory.listenerCount()).toBe(1);
    await stores.start();
    expect(memory.calls.map((c) => c.method).sort()).toEqual([
      'alerts.list',
      'app.info',
      'credentials.pending',
      'favorites.list',
      'hosts.list',
      'jobs.list',
      'monitoring.getSettings',
      'vms.list',
    ]);
    expect(stores.connection.getState().info).toEqual({ version: '1.2.3', mode: 'browser' });
    expect(Object.keys(stores.hosts.getState().hosts)).toEqual(['demo']);
    expect(Object.keys(stores.vms.getState().vms)).toEqual([vmKey(a)]);
    expect(stores.toasts.getState().toasts).toEqual([]);
    stores.dispose();
  });

  it('shows a toast for each failed initial load', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const memory = createMemoryTransport(); // no handlers: every call fails with NotFound
    const stores = createAppStores(createContractClient(memory.transport), { autoDismissMs: 0 });
    await stores.start();
    expect(stores.toasts.getState().toasts.map((t) => t.title).sort()).toEqual([
      'Could not list VMs',
      'Could not list credential requests',
      'Could not list hosts',
      'Could not list jobs',
      'Could not load favorites',
      'Could not load the alerts',
      'Could not load the monitoring settings',
      'Could not reach Tandem',
    ]);
    stores.connection.getState().markClosed();
    expect(stores.connection.getState().status).toBe('closed');
    vi.restoreAllMocks();
  });

  it("opens the console the tray asked for: graphical when the VM has VNC, else serial", async () => {
    const memory = createMemoryTransport();
    const withVnc = vm({ name: 'desktop', state: 'running' });
    const serialOnly = vm({ name: 'server', state: 'running' });
    memory.reply('app.info', () => ({ version: '1', mode: 'browser' }));
    memory.reply('hosts.list', () => [host()]);
    memory.reply('vms.list', () => [withVnc, serialOnly]);
    memory.reply('favorites.list', () => ({ favorites: [] }));
    memory.reply('credentials.pending', () => []);
    memory.reply('jobs.list', () => []);
    memory.reply('monitoring.getSettings', () => ({ intervalSeconds: 2 }));
    memory.reply('alerts.list', () => []);
    memory.reply('vms.get', ({ uuid }) =>
      uuid === withVnc.uuid ? vmDetail(withVnc, { graphics: [{ type: 'vnc', port: 5900 }] }) : vmDetail(serialOnly),
    );
    const opened = memory.hold('consoles.open');
    const stores = createAppStores(createContractClient(memory.transport), { autoDismissMs: 0 });
    await stores.start();

    memory.emit('ui.openConsole', { hostId: withVnc.hostId, uuid: withVnc.uuid });
    memory.emit('ui.openConsole', { hostId: serialOnly.hostId, uuid: serialOnly.uuid });
    await settle();
    await settle();
    expect(opened.map((c) => [c.args.uuid, c.args.kind])).toEqual([
      [withVnc.uuid, 'vnc'],
      [serialOnly.uuid, 'serial'],
    ]);
    expect(stores.consoles.getState().tabs.map((t) => [t.vmName, t.kind])).toEqual([
      ['desktop', 'vnc'],
      ['server', 'serial'],
    ]);
    stores.dispose();
  });
});
