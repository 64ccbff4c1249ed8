/**
 * Consoles: a VM's serial console and its graphical (VNC) console. The contract only authorises and names a
 * console; its bytes flow over a separate binary channel (browser mode: the server's `/console` WebSocket
 * with the one-time ticket; Electron: a MessagePort), see docs/architecture.md.
 */
import { z } from 'zod';
import { HostIdSchema, VmUuidSchema } from '../schemas';

export const ConsoleKindSchema = z.enum(['serial', 'vnc']);
export type ConsoleKind = z.infer<typeof ConsoleKindSchema>;

/** Random, URL-safe: console ids and tickets. */
const ConsoleTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'not a console id');

export const ConsoleCloseReasonSchema = z.enum(['client-closed', 'vm-stopped', 'vm-moved', 'taken-over', 'stream-ended', 'ticket-expired', 'shutdown']);

/** Path of the byte channel on the browser-mode server: `/console?token=<token>&ticket=<ticket>`. */
export const CONSOLE_SOCKET_PATH = '/console';
/** Largest frame a console client may send (keystrokes and VNC input events are tiny). */
export const MAX_CONSOLE_CLIENT_FRAME_BYTES = 64 * 1024;

export const consolesMethods = {
  /**
   * Opens a console of a running VM and returns its id and a one-time ticket (valid ~30 s) for the byte
   * channel. `force` takes a serial console over from another client (another Tandem tab is taken over
   * without asking; a program outside Tandem only with force).
   */
  'consoles.open': {
    input: z.strictObject({ hostId: HostIdSchema, uuid: VmUuidSchema, kind: ConsoleKindSchema, force: z.boolean().optional() }),
    output: z.strictObject({ consoleId: ConsoleTokenSchema, ticket: ConsoleTokenSchema, kind: ConsoleKindSchema }),
  },
  'consoles.close': { input: z.strictObject({ consoleId: ConsoleTokenSchema }), output: z.null() },
} as const;

export const consolesEvents = {
  /** A console ended (once), with why; its byte channel is closed too. */
  'consoles.closed': z.strictObject({
    consoleId: ConsoleTokenSchema,
    hostId: HostIdSchema,
    uuid: VmUuidSchema,
    kind: ConsoleKindSchema,
    reason: ConsoleCloseReasonSchema,
    message: z.string(),
    /** With `vm-moved`: the host the VM runs on now (a migration), where Tandem sees it; open it there. */
    movedTo: z.strictObject({ hostId: HostIdSchema, hostName: z.string() }).optional(),
  }),
} as const;
