/**
 * registerContractIpc against a stand-in for Electron's ipcMain (no Electron binary runs in unit tests):
 * the sender check, forwarding to the dispatcher, events to the window, and cleanup when it closes.
 */
import { EventEmitter } from 'node:events';
import type { BrowserWindow, IpcMainInvokeEvent } from 'electron';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, type CallResult } from '../../preload/contract';
import type { ContractEvent } from '../bootstrap/createTandem';
import { Emitter } from '../core/Emitter';

type Handler = (event: unknown, method: unknown, args: unknown) => Promise<CallResult<unknown>>;
const handlers = vi.hoisted(() => new Map<string, Handler>());

vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, handler: Handler) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, handler);
    },
    removeHandler: (channel: string) => handlers.delete(channel),
  },
}));

const { registerContractIpc } = await import('./ipc');

function fakeWindow() {
  const contents = Object.assign(new EventEmitter(), {
    sent: [] as unknown[][],
    destroyed: false,
    send(...args: unknown[]) {
      this.sent.push(args);
    },
    isDestroyed() {
      return this.destroyed;
    },
  });
  const window = Object.assign(new EventEmitter(), { webContents: contents });
  return { window, contents, asWindow: window as unknown as BrowserWindow };
}

function fakeTandem() {
  const events = new Emitter<ContractEvent>();
  const dispatch = vi.fn(async (method: unknown): Promise<CallResult<unknown>> => ({ ok: true, value: `ran ${String(method)}` }));
  return { events, dispatch, tandem: { dispatch, onEvent: (l: (e: ContractEvent) => void) => events.on(l) } };
}

const call = (event: unknown, method: unknown, args: unknown) => handlers.get(IPC_CALL_CHANNEL)!(event, method, args);

describe('registerContractIpc', () => {
  beforeEach(() => handlers.clear());

  it('passes calls from our window’s main frame on app://tandem to the dispatcher', async () => {
    const { contents, asWindow } = fakeWindow();
    const { tandem, dispatch } = fakeTandem();
    registerContractIpc(tandem, asWindow);
    const event = { sender: contents, senderFrame: { url: 'app://tandem/index.html', parent: null } };
    await expect(call(event, 'app.info', {})).resolves.toEqual({ ok: true, value: 'ran app.info' });
    expect(dispatch).toHaveBeenCalledWith('app.info', {});
  });

  it('refuses other senders with a CallResult, never a throw', async () => {
    const { contents, asWindow } = fakeWindow();
    const { tandem, dispatch } = fakeTandem();
    registerContractIpc(tandem, asWindow);
    const refusedEvents: Array<Partial<IpcMainInvokeEvent> | Record<string, unknown>> = [
      { sender: contents, senderFrame: { url: 'https://example.com/', parent: null } },
      { sender: contents, senderFrame: { url: 'app://tandem/index.html', parent: {} } }, // an iframe
      { sender: {}, senderFrame: { url: 'app://tandem/index.html', parent: null } }, // another window
      { sender: contents, senderFrame: null }, // frame already gone
    ];
    for (const event of refusedEvents) {
      const result = await call(event, 'app.info', {});
      expect(result).toMatchObject({ ok: false, error: { name: 'InvalidInput', code: 'ipc.sender-refused' } });
    }
    expect(dispatch).not.toHaveBeenCalled();
  });

  it('turns a dispatcher that throws into an Internal error result', async () => {
    const { contents, asWindow } = fakeWindow();
    const { tandem, dispatch } = fakeTandem();
    dispatch.mockRejectedValueOnce(new Error('boom'));
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined); // the bug is logged
    vi.stubEnv('TANDEM_LOG_LEVEL', 'error'); // whatever level the run was started with
    try {
      registerContractIpc(tandem, asWindow);
      const event = { sender: contents, senderFrame: { url: 'app://tandem/index.html', parent: null } };
      await expect(call(event, 'app.info', {})).resolves.toMatchObject({ ok: false, error: { name: 'Internal' } });
      expect(logged).toHaveBeenCalled();
    } finally {
      logged.mockRestore();
      vi.unstubAllEnvs();
    }
  });

  it('forwards contract events to the window until it closes, then unregisters', () => {
    const { window, contents, asWindow } = fakeWindow();
    const { tandem, events } = fakeTandem();
    registerContractIpc(tandem, asWindow);
    const removed: ContractEvent = { event: 'hosts.removed', payload: { hostId: 'demo' } };
    events.emit(removed);
    expect(contents.sent).toEqual([[IPC_EVENT_CHANNEL, 'hosts.removed', { hostId: 'demo' }]]);

    window.emit('closed');
    events.emit(removed);
    expect(contents.sent).toHaveLength(1);
    expect(events.size).toBe(0);
    expect(handlers.has(IPC_CALL_CHANNEL)).toBe(false);
    // A new window can register again.
    registerContractIpc(tandem, fakeWindow().asWindow);
    expect(handlers.has(IPC_CALL_CHANNEL)).toBe(true);
  });

  it('returns a disposer that does the same cleanup', () => {
    const { asWindow } = fakeWindow();
    const { tandem, events } = fakeTandem();
    const dispose = registerContractIpc(tandem, asWindow);
    dispose();
    dispose(); // idempotent
    expect(events.size).toBe(0);
    expect(handlers.has(IPC_CALL_CHANNEL)).toBe(false);
  });
});
