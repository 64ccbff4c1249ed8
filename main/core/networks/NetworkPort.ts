import type { Disposable, HostSession } from '../hosts/HostDriver';

/** What NetworkService needs of a host (implemented by drivers/libvirt/LibvirtNetworkPort). */
export interface HostNetwork {
  name: string;
  uuid: string;
  xml: string;
  active: boolean;
  persistent: boolean;
  autostart: boolean;
}

export interface HostDomainAttachment {
  vmName: string;
  /** The domain's XML (inactive definition), from which attachments are read. */
  xml: string;
}

export interface NetworkPort {
  listNetworks(hostId: string): Promise<HostNetwork[]>;
  listDomains(hostId: string): Promise<HostDomainAttachment[]>;
  /**
   * Defines the network persistently, then starts it and sets autostart as asked; when a step after the
   * definition fails, the definition is removed again. Returns the UUID.
   */
  define(hostId: string, xml: string, options: { start: boolean; autostart: boolean }): Promise<string>;
  /** Undefines a defined network (destroying it first when active). NotFound when it is gone. */
  remove(hostId: string, name: string): Promise<void>;
  /** Starts (true) or stops (false) a network. */
  setActive(hostId: string, name: string, active: boolean): Promise<void>;
  setAutostart(hostId: string, name: string, autostart: boolean): Promise<void>;
}

/** What NetworkWatch needs: a signal whenever a network of the session's host, or a domain's definition, changes. */
export interface NetworkEventsPort {
  watch(session: HostSession, changed: () => void): Promise<Disposable>;
}
