/**
 * THE contract between the renderer and the main side of Tandem.
 *
 * Every method the renderer can call and every event it can receive is declared here once, with a zod
 * schema for its payloads. The Electron IPC bridge (main/electron + preload/index.ts), the WebSocket server
 * (main/server) and the renderer client (preload/client.ts) are all derived from this object, so adding a
 * method is one entry in its capability's file (preload/api/) plus its handler in main/api/handlers/.
 *
 * This module must import neither Node nor Electron: main, preload and renderer all import it.
 */
import { z } from 'zod';
import { alertsEvents, alertsMethods } from './api/alerts';
import { appMethods } from './api/app';
import { favoritesEvents, favoritesMethods } from './api/favorites';
import { credentialsEvents, credentialsMethods } from './api/credentials';
import { consolesEvents, consolesMethods } from './api/consoles';
import { checkpointsEvents, checkpointsMethods } from './api/checkpoints';
import { hostsEvents, hostsMethods } from './api/hosts';
import { monitoringEvents, monitoringMethods } from './api/monitoring';
import { vmHardwareMethods } from './api/vmHardware';
import { jobsEvents, jobsMethods } from './api/jobs';
import { migrationMethods } from './api/migration';
import { provisioningEvents, provisioningMethods } from './api/provisioning';
import { deployMethods } from './api/deploy';
import { networksEvents, networksMethods } from './api/networks';
import { labsMethods } from './api/labs';
import { guestAddressesEvents, guestAddressesMethods } from './api/guestAddresses';
import { vmsEvents, vmsMethods } from './api/vms';
import type { CallResult, ContractError } from './schemas';

export * from './schemas';
export { MAX_XML_LENGTH } from './api/vms';
export * from './api/monitoring';
export * from './api/alerts';
export type { Applied, BootDevice, FieldResult, HardwareChanges, MemorySize, MemoryUnit, VmHardware } from './api/vmHardware';
export type { HostDetails } from './api/hosts';
export type { CredentialRequest } from './api/credentials';

// ---------------------------------------------------------------------------------------------------------
// Methods and events: one file per capability in preload/api/, composed here. A new capability adds its
// file and one spread line in each object below.

export const methods = {
  ...appMethods,
  ...credentialsMethods,
  ...hostsMethods,
  ...vmsMethods,
  ...monitoringMethods,
  ...alertsMethods,
  ...vmHardwareMethods,
  ...favoritesMethods,
  ...consolesMethods,
  ...jobsMethods,
  ...migrationMethods,
  ...checkpointsMethods,
  ...provisioningMethods,
  ...deployMethods,
  ...networksMethods,
  ...labsMethods,
  ...guestAddressesMethods,
} as const;

export const events = {
  ...credentialsEvents,
  ...hostsEvents,
  ...vmsEvents,
  ...monitoringEvents,
  ...alertsEvents,
  ...favoritesEvents,
  ...consolesEvents,
  ...jobsEvents,
  ...checkpointsEvents,
  ...provisioningEvents,
  ...networksEvents,
  ...guestAddressesEvents,
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type EventName = keyof typeof events;
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
export type MethodArgs<M extends MethodName> = z.output<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

export const methodNames = Object.keys(methods) as MethodName[];
export const eventNames = Object.keys(events) as EventName[];

export function isMethodName(value: unknown): value is MethodName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(methods, value);
}
export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(events, value);
}

/** What the renderer holds: one typed function per method, and typed event subscriptions. */
export interface ContractClient {
  call<M extends MethodName>(method: M, args: MethodInput<M>): Promise<MethodOutput<M>>;
  /** Subscribe to an event; returns the function that unsubscribes. */
  on<E extends EventName>(event: E, handler: (payload: EventPayload<E>) => void): () => void;
}

/** The channel names used by Electron IPC, derived from the contract so no loose strings exist elsewhere. */
export const IPC_CALL_CHANNEL = 'tandem:call';
export const IPC_EVENT_CHANNEL = 'tandem:event';

// ---------------------------------------------------------------------------------------------------------
// Wire messages for the WebSocket transport (browser mode). IPC carries the same call/result shapes.

export const WireCallSchema = z.strictObject({
  type: z.literal('call'),
  id: z.number().int().nonnegative(),
  method: z.string().max(128),
  args: z.unknown(),
});
export type WireCall = z.infer<typeof WireCallSchema>;

export interface WireResult {
  type: 'result';
  id: number;
  result: CallResult<unknown>;
}
export interface WireEvent {
  type: 'event';
  event: EventName;
  payload: unknown;
}
/** A frame the server could not read as a call (not JSON, no id): answered once, the socket stays open. */
export interface WireProtocolError {
  type: 'protocol-error';
  error: ContractError;
}
export type ServerMessage = WireResult | WireEvent | WireProtocolError;
