/**
 * A console's Electron MessagePort (see preload/consoleChannel.ts) dressed as the WebSocket-like
 * ConsoleChannel, so the panes and noVNC use one code path in both modes.
 */
import {
  CONSOLE_PORT_WINDOW_MESSAGE,
  isConsolePortClose,
  type ConsoleChannelBridge,
  type ConsolePortClose,
  type ConsolePortWindowMessage,
} from '../../../preload/consoleChannel';
import type { ConsoleChannel } from './consoleChannel';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

let nextRequest = 1;

export class MessagePortChannel implements ConsoleChannel {
  binaryType: BinaryType = 'arraybuffer';
  readonly protocol = '';
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  private state = CONNECTING;
  private port: MessagePort | null = null;
  private readonly requestId = `console-${nextRequest++}`;

  constructor(bridge: ConsoleChannelBridge, ticket: string) {
    window.addEventListener('message', this.receivePort);
    bridge.requestPort(ticket, this.requestId);
  }

  get readyState(): number {
    return this.state;
  }

  send(data: ArrayBufferLike | ArrayBufferView): void {
    if (this.state !== OPEN || !this.port) return;
    const bytes = ArrayBuffer.isView(data) ? data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) : data.slice(0);
    this.port.postMessage(bytes, [bytes as ArrayBuffer]);
  }

  close(code = 1000, reason = ''): void {
    if (this.state === CLOSED) return;
    this.port?.postMessage({ type: 'close', code, reason } satisfies ConsolePortClose);
    this.finish(code, reason);
  }

  private readonly receivePort = (event: MessageEvent) => {
    const data = event.data as Partial<ConsolePortWindowMessage> | null;
    if (event.source !== window || data?.type !== CONSOLE_PORT_WINDOW_MESSAGE || data.requestId !== this.requestId) return;
    window.removeEventListener('message', this.receivePort);
    const port = event.ports[0];
    if (!port || this.state === CLOSED) {
      port?.close();
      return;
    }
    this.port = port;
    port.onmessage = (message: MessageEvent) => {
      if (isConsolePortClose(message.data)) this.finish(message.data.code, message.data.reason);
      else this.onmessage?.(new MessageEvent('message', { data: message.data as ArrayBuffer }));
    };
    port.start();
    this.state = OPEN;
    this.onopen?.(new Event('open'));
  };

  private finish(code: number, reason: string): void {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    window.removeEventListener('message', this.receivePort);
    this.port?.close();
    this.port = null;
    this.onclose?.(new CloseEvent('close', { code, reason, wasClean: code === 1000 }));
  }
}
