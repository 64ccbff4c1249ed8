/**
 * The console byte channel in Electron (the browser-mode server's /console WebSocket, as a MessagePort):
 * the page sends a console's one-time ticket; after the same sender check as contract calls, main redeems
 * it with the ConsoleHub and answers with a MessagePort that carries the console's bytes both ways (see
 * preload/consoleChannel.ts). A refused ticket still gets a port, which says so and closes, so the page's
 * channel never waits forever. Electron cannot run on our machines: this is type-checked and unit-tested
 * with Node's MessageChannel standing in for MessageChannelMain.
 */
import { ipcMain, MessageChannelMain, type BrowserWindow, type IpcMainEvent, type MessagePortMain } from 'electron';
import {
  IPC_CONSOLE_ATTACH_CHANNEL,
  IPC_CONSOLE_PORT_CHANNEL,
  isConsolePortClose,
  type ConsolePortClose,
} from '../../preload/consoleChannel';
import type { Tandem } from '../bootstrap/createTandem';
import type { AttachedConsole } from '../core/consoles/ConsoleHub';
import { createLogger } from '../core/logging';
import { fromTrustedSender } from './ipc';

const log = createLogger('console-ipc');

/** Same cap as the WebSocket path: keystrokes and VNC input events are tiny. */
const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;

export function registerConsoleIpc(tandem: Pick<Tandem, 'consoles'>, window: BrowserWindow): () => void {
  const contents = window.webContents;
  const carried = new Set<MessagePortMain>();

  const onAttach = (event: IpcMainEvent, ticket: unknown, requestId: unknown) => {
    if (typeof requestId !== 'string' || requestId.length === 0 || requestId.length > 64) return;
    const { port1, port2 } = new MessageChannelMain();
    const trusted = fromTrustedSender(event, window);
    const attached = trusted && typeof ticket === 'string' ? tandem.consoles.attach(ticket) : undefined;
    if (attached) {
      carry(port1, attached, tandem, carried);
    } else {
      log.warn(trusted ? 'refused a console port for an unknown or used ticket' : `refused a console port for ${event.senderFrame?.url ?? 'a destroyed frame'}`);
      port1.postMessage({ type: 'close', code: 4403, reason: 'The console ticket was refused.' } satisfies ConsolePortClose);
      port1.close();
    }
    if (!contents.isDestroyed()) contents.postMessage(IPC_CONSOLE_PORT_CHANNEL, { requestId }, [port2]);
  };

  ipcMain.on(IPC_CONSOLE_ATTACH_CHANNEL, onAttach);
  let disposed = false;
  const dispose = () => {
    if (disposed) return;
    disposed = true;
    ipcMain.removeListener(IPC_CONSOLE_ATTACH_CHANNEL, onAttach);
    for (const port of carried) port.close(); // each port's 'close' releases its console
    window.off('closed', dispose);
  };
  window.on('closed', dispose);
  return dispose;
}

function carry(port: MessagePortMain, attached: AttachedConsole, tandem: Pick<Tandem, 'consoles'>, carried: Set<MessagePortMain>): void {
  carried.add(port);
  const { stream, consoleId } = attached;
  const release = () => {
    if (!carried.delete(port)) return;
    stream.off('data', forward);
    closedSub.dispose();
    tandem.consoles.close(consoleId, 'client-closed');
  };
  // MessagePorts have no backpressure: console output is small, and a VNC client asks for updates itself.
  const forward = (chunk: Buffer) => {
    const bytes = chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength);
    port.postMessage(bytes);
  };
  const closedSub = attached.onClosed(({ message }) => {
    port.postMessage({ type: 'close', code: 1000, reason: message } satisfies ConsolePortClose);
    port.close();
    release();
  });
  port.on('message', ({ data }) => {
    if (isConsolePortClose(data)) {
      port.close();
      release();
    } else if (data instanceof ArrayBuffer && data.byteLength <= MAX_CLIENT_MESSAGE_BYTES) {
      stream.write(Buffer.from(data));
    } else {
      log.warn(`console ${consoleId}: dropped a client message that is not bytes or is too large`);
    }
  });
  port.on('close', release);
  stream.on('data', forward);
  port.start();
  stream.resume();
}
