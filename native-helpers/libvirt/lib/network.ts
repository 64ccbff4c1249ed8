/**
 * Types of the network half of the addon (src/network.cc): the Network class and the network calls it adds
 * to Connection. Flags and enums: virConnectListAllNetworksFlags, virNetworkXMLFlags, virNetworkUpdate*,
 * virNetworkEventID, virNetworkEventLifecycleType in constants.generated.ts.
 */
import type { Subscription } from './index';
import type { Connection } from './types';

/** One DHCP lease (virNetworkDHCPLease); fields libvirt does not know are null. */
export interface NetworkDHCPLease {
  iface: string | null;
  /** Seconds since the epoch. */
  expiryTime: number;
  /** virIPAddrType */
  type: number;
  mac: string | null;
  /** DHCPv6 identity association id. */
  iaid: string | null;
  ipaddr: string | null;
  prefix: number;
  hostname: string | null;
  clientid: string | null;
}

export interface NetworkLifecycleEvent {
  event: 'network-lifecycle';
  name: string;
  uuid: string;
  /** virNetworkEventLifecycleType */
  type: number;
  detail: number;
}

export type NetworkEvent = NetworkLifecycleEvent;

export interface Network {
  getName(): string;
  getUUIDString(): string;
  /** virNetworkCreate: starts a defined network. */
  create(): Promise<void>;
  destroy(): Promise<void>;
  undefine(): Promise<void>;
  isActive(): Promise<boolean>;
  isPersistent(): Promise<boolean>;
  getAutostart(): Promise<boolean>;
  setAutostart(autostart: boolean): Promise<void>;
  /** flags: virNetworkXMLFlags */
  getXMLDesc(flags?: number): Promise<string>;
  getBridgeName(): Promise<string>;
  /** Leases of the network, or of one MAC address. Needs a driver with dnsmasq (not the test driver). */
  getDHCPLeases(mac?: string | null): Promise<NetworkDHCPLease[]>;
  /**
   * virNetworkUpdate. command: virNetworkUpdateCommand; section: virNetworkUpdateSection; parentIndex: which
   * <ip> element, -1 for "the only / first one"; flags: virNetworkUpdateFlags.
   */
  update(command: number, section: number, parentIndex: number, xml: string, flags?: number): Promise<void>;
  /** Drops this object's libvirt reference now rather than at garbage collection. */
  free(): void;
}

declare module './types' {
  interface Connection {
    /** flags: virConnectListAllNetworksFlags */
    listAllNetworks(flags?: number): Promise<Network[]>;
    lookupNetworkByName(name: string): Promise<Network>;
    lookupNetworkByUUIDString(uuid: string): Promise<Network>;
    /** virNetworkDefineXMLFlags; flags: virNetworkDefineFlags */
    defineNetworkXML(xml: string, flags?: number): Promise<Network>;
    /** virNetworkCreateXMLFlags: a transient, started network; flags: virNetworkCreateFlags */
    createNetworkXML(xml: string, flags?: number): Promise<Network>;
    /** eventId: virNetworkEventID; network null for every network. Resolves to the callback id. */
    networkEventRegister(eventId: number, network: Network | null, callback: (event: NetworkEvent) => void): Promise<number>;
    networkEventDeregister(callbackId: number): Promise<void>;
  }
}

/** Registers `callback` for one network event id on every network of `conn`, returning its Subscription. */
export async function subscribeNetworkEvents(
  conn: Connection,
  eventId: number,
  callback: (event: NetworkEvent) => void,
): Promise<Subscription> {
  const id = await conn.networkEventRegister(eventId, null, callback);
  let disposed = false;
  return {
    async dispose() {
      if (disposed || conn.isClosed()) return;
      disposed = true;
      await conn.networkEventDeregister(id);
    },
  };
}
