/**
 * The preload script of Tandem's window: exposes `window.tandem`, a TandemBridge (two functions), and
 * `window.tandemConsoles` (one function asking for a console's MessagePort), nothing else. Never ipcRenderer itself: the page could then send on any channel.
 *
 * It runs sandboxed, where require() knows only a few built-ins, so it imports 'electron' and the
 * contract's channel names (and types); Forge's vite plugin bundles it, contract and zod included, into
 * one CommonJS file, so nothing is require()d at run time but 'electron'.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, type CallResult, type EventName } from './contract';
import type { TandemBridge } from './client';
import {
  CONSOLE_PORT_WINDOW_MESSAGE,
  IPC_CONSOLE_ATTACH_CHANNEL,
  IPC_CONSOLE_PORT_CHANNEL,
  type ConsoleChannelBridge,
  type ConsolePortWindowMessage,
} from './consoleChannel';

const bridge: TandemBridge = {
  call: (method: string, args: unknown) => ipcRenderer.invoke(IPC_CALL_CHANNEL, method, args) as Promise<CallResult<unknown>>,
  onEvent: (listener: (event: EventName, payload: unknown) => void) => {
    // A wrapper per subscription: the page never sees the IpcRendererEvent (it exposes `sender`), and
    // removing exactly this wrapper leaves other subscriptions intact.
    const wrapped = (_event: IpcRendererEvent, event: EventName, payload: unknown) => listener(event, payload);
    ipcRenderer.on(IPC_EVENT_CHANNEL, wrapped);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, wrapped);
    };
  },
};

contextBridge.exposeInMainWorld('tandem', bridge);

// Console byte channels (preload/consoleChannel.ts): contextBridge cannot carry MessagePorts, so the port
// main sends for a request is handed to the page with window.postMessage, to our own origin only.
const consoles: ConsoleChannelBridge = {
  requestPort: (ticket: string, requestId: string) => ipcRenderer.send(IPC_CONSOLE_ATTACH_CHANNEL, ticket, requestId),
};
ipcRenderer.on(IPC_CONSOLE_PORT_CHANNEL, (event: IpcRendererEvent, message: { requestId: string }) => {
  const data: ConsolePortWindowMessage = { type: CONSOLE_PORT_WINDOW_MESSAGE, requestId: message.requestId };
  window.postMessage(data, window.location.origin, [...event.ports]);
});
contextBridge.exposeInMainWorld('tandemConsoles', consoles);
