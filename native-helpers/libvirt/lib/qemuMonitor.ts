/**
 * QEMU monitor events (libvirt-qemu, src/qemu_monitor_events.cc): a domain's QMP events as QEMU sent them.
 * libvirt's own events are the API to build on; this one is for what they flatten. libvirt 9.0 reports a
 * guest reset under `<on_reboot>destroy</on_reboot>` exactly like a guest power-off (lifecycle "shutdown,
 * guest", then "stopped, shutdown"), while QEMU's SHUTDOWN event tells them apart:
 * `{"guest":true,"reason":"guest-reset"}` vs `"guest-shutdown"` (then `{"guest":false,"reason":"host-signal"}`
 * when libvirt ends the process).
 */
import type { Subscription } from './index';
import type { Connection, Domain } from './types';

export interface QemuMonitorEvent {
  event: 'qemu-monitor';
  name: string;
  uuid: string;
  /** The running domain's id, -1 when inactive. */
  id: number;
  /** The QMP event name ("SHUTDOWN", "RESET", "STOP", ...). */
  qmpEvent: string;
  /** When QEMU emitted it (seconds, microseconds since the epoch; -1 seconds when QEMU gave no time). */
  seconds: number;
  micros: number;
  /** QEMU's event data as JSON text; "" when the event had none. */
  details: string;
}

declare module './types' {
  interface Connection {
    /**
     * virConnectDomainQemuMonitorEventRegister: `event` a QMP event name or null for all, `domain` null for
     * every domain; flags: virConnectDomainQemuMonitorEventRegisterFlags. Resolves to the callback id.
     */
    domainQemuMonitorEventRegister(domain: Domain | null, event: string | null, callback: (event: QemuMonitorEvent) => void, flags?: number): Promise<number>;
    domainQemuMonitorEventDeregister(callbackId: number): Promise<void>;
  }
}

/** Registers `callback` for QEMU's `qmpEvent` (null: every event) of every domain of `conn`. */
export async function subscribeQemuMonitorEvents(
  conn: Connection,
  qmpEvent: string | null,
  callback: (event: QemuMonitorEvent) => void,
): Promise<Subscription> {
  const id = await conn.domainQemuMonitorEventRegister(null, qmpEvent, callback);
  let disposed = false;
  return {
    async dispose() {
      if (disposed || conn.isClosed()) return;
      disposed = true;
      await conn.domainQemuMonitorEventDeregister(id);
    },
  };
}
