/**
 * Types of the storage half of the addon (src/storage.cc): StoragePool, StorageVol and the storage calls
 * they add to Connection. Flags and enums: virConnectListAllStoragePoolsFlags, virStoragePoolBuildFlags,
 * virStoragePoolDeleteFlags, virStoragePoolState, virStorageVolType, virStorageVolCreateFlags,
 * virStorageVolDeleteFlags, virStorageVolWipeAlgorithm, virStorageVolResizeFlags, virStoragePoolEventID,
 * virStoragePoolEventLifecycleType in constants.generated.ts. Byte counts are JS numbers (exact to 8 PiB).
 * Volume upload/download go through streams: see uploadVolume / downloadVolume in ./stream.ts.
 */
import type { Subscription } from './index';
import type { Connection } from './types';

export interface StoragePoolInfo {
  /** virStoragePoolState */
  state: number;
  capacity: number;
  allocation: number;
  available: number;
}

export interface StorageVolInfo {
  /** virStorageVolType */
  type: number;
  capacity: number;
  allocation: number;
}

interface StoragePoolEventBase {
  name: string;
  uuid: string;
}

export type StoragePoolEvent =
  /** type: virStoragePoolEventLifecycleType */
  | (StoragePoolEventBase & { event: 'storage-pool-lifecycle'; type: number; detail: number })
  | (StoragePoolEventBase & { event: 'storage-pool-refresh' });

export interface StoragePool {
  getName(): string;
  getUUIDString(): string;
  /** flags: virStoragePoolBuildFlags */
  build(flags?: number): Promise<void>;
  /** virStoragePoolCreate (start); flags: virStoragePoolCreateFlags */
  create(flags?: number): Promise<void>;
  destroy(): Promise<void>;
  undefine(): Promise<void>;
  /** virStoragePoolDelete: removes the pool's underlying storage; flags: virStoragePoolDeleteFlags */
  delete(flags?: number): Promise<void>;
  refresh(flags?: number): Promise<void>;
  getInfo(): Promise<StoragePoolInfo>;
  /** flags: virStorageXMLFlags */
  getXMLDesc(flags?: number): Promise<string>;
  isActive(): Promise<boolean>;
  isPersistent(): Promise<boolean>;
  getAutostart(): Promise<boolean>;
  setAutostart(autostart: boolean): Promise<void>;
  /** flags: none defined yet (0) */
  listAllVolumes(flags?: number): Promise<StorageVol[]>;
  lookupVolumeByName(name: string): Promise<StorageVol>;
  /** flags: virStorageVolCreateFlags */
  createVolumeXML(xml: string, flags?: number): Promise<StorageVol>;
  /** A new volume in this pool with the content of `sourceVol`; flags: virStorageVolCreateFlags */
  createVolumeXMLFrom(xml: string, sourceVol: StorageVol, flags?: number): Promise<StorageVol>;
  free(): void;
}

export interface StorageVol {
  getName(): string;
  getKey(): string;
  getPath(): Promise<string>;
  getInfo(): Promise<StorageVolInfo>;
  getXMLDesc(flags?: number): Promise<string>;
  /** The pool holding this volume (virStoragePoolLookupByVolume). */
  getPool(): Promise<StoragePool>;
  /** flags: virStorageVolDeleteFlags */
  delete(flags?: number): Promise<void>;
  /** flags: 0 (virStorageVolWipe zeroes the volume) */
  wipe(flags?: number): Promise<void>;
  /** capacity in bytes; flags: virStorageVolResizeFlags */
  resize(capacity: number, flags?: number): Promise<void>;
  free(): void;
}

declare module './types' {
  interface Connection {
    /** flags: virConnectListAllStoragePoolsFlags */
    listAllStoragePools(flags?: number): Promise<StoragePool[]>;
    lookupStoragePoolByName(name: string): Promise<StoragePool>;
    lookupStoragePoolByUUIDString(uuid: string): Promise<StoragePool>;
    lookupStorageVolByPath(path: string): Promise<StorageVol>;
    lookupStorageVolByKey(key: string): Promise<StorageVol>;
    /** virStoragePoolDefineXML; flags: virStoragePoolDefineFlags */
    defineStoragePoolXML(xml: string, flags?: number): Promise<StoragePool>;
    /** virStoragePoolCreateXML: a transient, started pool; flags: virStoragePoolCreateFlags */
    createStoragePoolXML(xml: string, flags?: number): Promise<StoragePool>;
    /** eventId: virStoragePoolEventID (LIFECYCLE, REFRESH); pool null for every pool. Resolves to the id. */
    storagePoolEventRegister(
      eventId: number,
      pool: StoragePool | null,
      callback: (event: StoragePoolEvent) => void,
    ): Promise<number>;
    storagePoolEventDeregister(callbackId: number): Promise<void>;
  }
}

/** Registers `callback` for one storage pool event id on every pool of `conn`, returning its Subscription. */
export async function subscribeStoragePoolEvents(
  conn: Connection,
  eventId: number,
  callback: (event: StoragePoolEvent) => void,
): Promise<Subscription> {
  const id = await conn.storagePoolEventRegister(eventId, null, callback);
  let disposed = false;
  return {
    async dispose() {
      if (disposed || conn.isClosed()) return;
      disposed = true;
      await conn.storagePoolEventDeregister(id);
    },
  };
}
