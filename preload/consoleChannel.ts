/**
 * The Electron byte channel of consoles, shared by main (main/electron/consoleIpc.ts), preload and the
 * renderer. The page asks for a console's MessagePort with the ticket `consoles.open` gave it; main redeems
 * the ticket (after the same sender checks as contract calls) and answers with a MessagePort, which preload
 * passes on to the page with window.postMessage (contextBridge cannot carry ports). On the port: binary
 * data travels as ArrayBuffers both ways; the only other message is `ConsolePortClose`, either way.
 * Imports nothing: main, preload and renderer all import it.
 */
export const IPC_CONSOLE_ATTACH_CHANNEL = 'tandem:console-attach';
export const IPC_CONSOLE_PORT_CHANNEL = 'tandem:console-port';
/** `type` of the window message that carries a port from preload to the page. */
export const CONSOLE_PORT_WINDOW_MESSAGE = 'tandem:console-port';

export interface ConsolePortClose {
  type: 'close';
  /** 1000 when the console ended normally; 4403 when the ticket was refused. */
  code: number;
  reason: string;
}

/** What preload exposes as `window.tandemConsoles`. */
export interface ConsoleChannelBridge {
  /** Asks main for the port of a console; it arrives as a window message {type, requestId} with one port. */
  requestPort(ticket: string, requestId: string): void;
}

export interface ConsolePortWindowMessage {
  type: typeof CONSOLE_PORT_WINDOW_MESSAGE;
  requestId: string;
}

export function isConsolePortClose(value: unknown): value is ConsolePortClose {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'close';
}
