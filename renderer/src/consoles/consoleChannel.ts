/**
 * The byte channel of a console: binary frames both ways, outside the JSON contract. Browser mode: a
 * WebSocket to the server that served the page, `/console?token=<token>&ticket=<ticket>` (same token and
 * Origin checks as the API socket; the ticket works once). Electron: a MessagePort from main (through
 * preload's `window.tandemConsoles`) behind the same WebSocket-like interface (MessagePortChannel). Both satisfy what noVNC's RFB accepts
 * as a channel and what the serial pane needs.
 */
import { CONSOLE_SOCKET_PATH, MAX_CONSOLE_CLIENT_FRAME_BYTES } from '../../../preload/api/consoles';
import type { ConsoleChannelBridge } from '../../../preload/consoleChannel';
import { TOKEN_STORAGE_KEY } from '../contractClient';
import { MessagePortChannel } from './messagePortChannel';

declare global {
  interface Window {
    /** Exposed by preload/index.ts in Electron. */
    tandemConsoles?: ConsoleChannelBridge;
  }
}

/** The part of the WebSocket interface consoles use (noVNC checks for exactly these members). */
export interface ConsoleChannel {
  binaryType: BinaryType;
  readonly readyState: number;
  readonly protocol: string;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  send(data: ArrayBufferLike | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
}

export function consoleSocketUrl(host: string, token: string, ticket: string): string {
  return `ws://${host}${CONSOLE_SOCKET_PATH}?token=${encodeURIComponent(token)}&ticket=${encodeURIComponent(ticket)}`;
}

export function openConsoleChannel(ticket: string): ConsoleChannel {
  if (window.tandemConsoles) return new MessagePortChannel(window.tandemConsoles, ticket);
  const token = window.sessionStorage.getItem(TOKEN_STORAGE_KEY) ?? '';
  const socket = new WebSocket(consoleSocketUrl(window.location.host, token, ticket));
  socket.binaryType = 'arraybuffer';
  return socket;
}

/**
 * Sends bytes in frames no larger than the byte channel accepts: a big paste is one xterm onData call, and
 * the server closes a channel whose client sends a larger frame (Electron's port drops it).
 */
export function sendInFrames(channel: Pick<ConsoleChannel, 'send'>, bytes: Uint8Array, maxFrameBytes = MAX_CONSOLE_CLIENT_FRAME_BYTES): void {
  for (let offset = 0; offset < bytes.byteLength; offset += maxFrameBytes) channel.send(bytes.subarray(offset, offset + maxFrameBytes));
}
