/**
 * What the consoles capability needs from a host: byte streams to a VM's serial console and to its graphics
 * (VNC) server. Implemented for libvirt in main/drivers/libvirt/LibvirtConsolePort.ts. Streams are plain
 * Node Duplexes: the hub never looks at the bytes, it only carries and closes them.
 */
import type { Duplex } from 'node:stream';

export type ConsoleKind = 'serial' | 'vnc';

export interface ConsolePort {
  /**
   * Opens the VM's serial console (its first console device). `force` takes it over from another client
   * (libvirt lets one client hold a console; without force a held console is refused with ConflictError).
   */
  openSerial(hostId: string, uuid: string, options: { force: boolean }): Promise<Duplex>;
  /** A connected byte stream to the VM's VNC server; the server speaks first (`RFB 003.008\n`). */
  openGraphics(hostId: string, uuid: string): Promise<Duplex>;
  /** Whether the VM is running or paused; false when it stopped or no longer exists. */
  isVmActive(hostId: string, uuid: string): Promise<boolean>;
}
