import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createContractClient } from '../../../preload/client';
import { createMemoryTransport, type MemoryTransport } from '../testing/memoryTransport';
import { createConsolesStore, type ConsolesStore } from './consolesStore';
import { createToastStore, type ToastStore } from './toastStore';

const VM = { hostId: 'h1', uuid: '00000000-0000-0000-0000-000000000001', name: 'web' };
const id = (n: number) => `console-id-${String(n).padStart(8, '0')}`;

describe('consolesStore', () => {
  let memory: MemoryTransport;
  let toasts: ToastStore;
  let consoles: ConsolesStore;
  let opened = 0;

  beforeEach(() => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    memory = createMemoryTransport();
    toasts = createToastStore({ autoDismissMs: 0 });
    consoles = createConsolesStore(createContractClient(memory.transport), toasts);
    opened = 0;
    memory.reply('consoles.open', ({ kind }) => ({ consoleId: id(++opened), ticket: `ticket-for-${String(opened).padStart(6, '0')}`, kind }));
    memory.reply('consoles.close', () => null);
  });
  afterEach(() => {
    consoles.dispose();
    vi.restoreAllMocks();
  });

  it('opens a tab per console, shows the view, and reuses the tab of a console already open', async () => {
    await consoles.getState().open(VM, 'serial');
    await consoles.getState().open(VM, 'vnc');
    await consoles.getState().open(VM, 'serial');
    const { tabs, activeTabId, visible } = consoles.getState();
    expect(tabs.map((t) => [t.kind, t.status, t.consoleId])).toEqual([
      ['serial', 'open', id(1)],
      ['vnc', 'open', id(2)],
    ]);
    expect(activeTabId).toBe(tabs[0]!.tabId);
    expect(visible).toBe(true);
    expect(memory.calls.filter((c) => c.method === 'consoles.open')).toHaveLength(2);
  });

  it('marks a tab closed with the reason from consoles.closed, keeps its pane, and reconnects it', async () => {
    await consoles.getState().open(VM, 'serial');
    memory.emit('consoles.closed', { consoleId: id(1), hostId: VM.hostId, uuid: VM.uuid, kind: 'serial', reason: 'vm-stopped', message: 'The VM stopped.' });
    const [tab] = consoles.getState().tabs;
    expect(tab).toMatchObject({ status: 'closed', closedMessage: 'The VM stopped.', ticket: expect.any(String) });
    await consoles.getState().reconnect(tab!.tabId);
    expect(consoles.getState().tabs[0]).toMatchObject({ status: 'open', consoleId: id(2), closedMessage: null });
  });

  it('a console closed because its VM migrated names the new host and reopens the console there', async () => {
    await consoles.getState().open(VM, 'serial');
    memory.emit('consoles.closed', {
      consoleId: id(1),
      hostId: VM.hostId,
      uuid: VM.uuid,
      kind: 'serial',
      reason: 'vm-moved',
      message: 'The VM moved to lab-2.',
      movedTo: { hostId: 'h2', hostName: 'lab-2' },
    });
    const [tab] = consoles.getState().tabs;
    expect(tab).toMatchObject({ status: 'closed', closedMessage: 'The VM moved to lab-2.', movedTo: { hostId: 'h2', hostName: 'lab-2' } });
    await consoles.getState().openWhereMoved(tab!.tabId);
    expect(memory.calls.at(-1)).toEqual({ method: 'consoles.open', args: { hostId: 'h2', uuid: VM.uuid, kind: 'serial' } });
    expect(consoles.getState().tabs).toEqual([expect.objectContaining({ tabId: tab!.tabId, hostId: 'h2', status: 'open', consoleId: id(2), movedTo: null })]);
  });

  it('reopening where the VM moved reuses a tab of that console already open there', async () => {
    await consoles.getState().open(VM, 'vnc');
    await consoles.getState().open({ ...VM, hostId: 'h2' }, 'vnc');
    memory.emit('consoles.closed', {
      consoleId: id(1),
      hostId: VM.hostId,
      uuid: VM.uuid,
      kind: 'vnc',
      reason: 'vm-moved',
      message: 'The VM moved to lab-2.',
      movedTo: { hostId: 'h2', hostName: 'lab-2' },
    });
    const [moved, there] = consoles.getState().tabs;
    await consoles.getState().openWhereMoved(moved!.tabId);
    expect(consoles.getState().tabs.map((t) => t.tabId)).toEqual([there!.tabId]);
    expect(consoles.getState().activeTabId).toBe(there!.tabId);
    expect(memory.calls.filter((c) => c.method === 'consoles.open')).toHaveLength(2);
  });

  it('closing a tab closes its console and activates a neighbour', async () => {
    await consoles.getState().open(VM, 'serial');
    await consoles.getState().open(VM, 'vnc');
    const [serial, vnc] = consoles.getState().tabs;
    await consoles.getState().closeTab(vnc!.tabId);
    expect(memory.calls.at(-1)).toEqual({ method: 'consoles.close', args: { consoleId: id(2) } });
    expect(consoles.getState().activeTabId).toBe(serial!.tabId);
    await consoles.getState().closeTab(serial!.tabId);
    expect(consoles.getState()).toMatchObject({ tabs: [], activeTabId: null, visible: false });
  });

  it('offers to take over a serial console held elsewhere, and forces only when asked', async () => {
    memory.fail('consoles.open', { name: 'Conflict', code: 'console.busy', message: 'Another client holds this serial console' });
    await consoles.getState().open(VM, 'serial');
    expect(consoles.getState().busy).toMatchObject({ vm: { uuid: VM.uuid }, message: 'Another client holds this serial console' });
    expect(toasts.getState().toasts).toEqual([]);
    memory.reply('consoles.open', ({ kind }) => ({ consoleId: id(9), ticket: 'ticket-for-000009', kind }));
    await consoles.getState().open(consoles.getState().busy!.vm, 'serial', { force: true });
    expect(memory.calls.at(-1)).toMatchObject({ method: 'consoles.open', args: { kind: 'serial', force: true } });
    expect(consoles.getState()).toMatchObject({ busy: null, tabs: [expect.objectContaining({ status: 'open', consoleId: id(9) })] });
  });

  it('other failures become a toast, and the tab says why', async () => {
    memory.fail('consoles.open', { name: 'Unsupported', code: 'console.no-serial-pty', message: 'not a pty' });
    await consoles.getState().open(VM, 'serial');
    expect(toasts.getState().toasts).toEqual([expect.objectContaining({ code: 'console.no-serial-pty' })]);
    expect(consoles.getState().tabs[0]).toMatchObject({ status: 'closed', closedMessage: 'not a pty' });
  });
});
