/**
 * The contract over Electron IPC: one handler for every method (the dispatcher validates names and
 * payloads) and one event channel. Nothing is thrown across the boundary: Electron would strip a thrown
 * error's properties, so failures travel as `{ok: false, error}` CallResults like every other error.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, type CallResult } from '../../preload/contract';
import type { Tandem } from '../bootstrap/createTandem';
import { createLogger } from '../core/logging';
import { isTrustedSender } from './appUrl';

const log = createLogger('ipc');

const senderRefused: CallResult<unknown> = {
  ok: false,
  error: {
    name: 'InvalidInput',
    code: 'ipc.sender-refused',
    message: 'Calls are accepted only from Tandem’s own window.',
  },
};

/** Whether an IPC message comes from `window`'s main frame at our app:// origin (contract calls, console ports). */
export function fromTrustedSender(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, window: BrowserWindow): boolean {
  const contents = window.webContents;
  const frame = event.senderFrame;
  return isTrustedSender({
    fromOurWindow: !contents.isDestroyed() && event.sender === contents,
    isMainFrame: frame !== null && frame.parent === null,
    url: frame?.url ?? null,
  });
}

/**
 * Serves the contract to `window` until it closes (or the returned disposer is called). ipcMain.handle
 * allows one handler per channel, so a new window registers again after the previous one is gone.
 */
export function registerContractIpc(tandem: Pick<Tandem, 'dispatch' | 'onEvent'>, window: BrowserWindow): () => void {
  const contents = window.webContents;

  ipcMain.handle(IPC_CALL_CHANNEL, async (event, method: unknown, args: unknown): Promise<CallResult<unknown>> => {
    if (!fromTrustedSender(event, window)) {
      log.warn(`refused a call from ${event.senderFrame?.url ?? 'a destroyed frame'}`);
      return senderRefused;
    }
    try {
      return await tandem.dispatch(method, args);
    } catch (error) {
      // The dispatcher promises never to throw; if it does, that is a bug, and still not a reason to
      // send a stripped Error over IPC.
      log.error('dispatch threw', error);
      return {
        ok: false,
        error: { name: 'Internal', code: 'internal.unexpected', message: 'Tandem hit an internal error.' },
      };
    }
  });

  const events = tandem.onEvent(({ event, payload }) => {
    if (!contents.isDestroyed()) contents.send(IPC_EVENT_CHANNEL, event, payload);
  });

  let disposed = false;
  const dispose = () => {
    if (disposed) return;
    disposed = true;
    events.dispose();
    ipcMain.removeHandler(IPC_CALL_CHANNEL);
    window.off('closed', dispose);
  };
  window.on('closed', dispose);
  return dispose;
}
