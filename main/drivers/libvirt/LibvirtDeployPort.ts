/**
 * The libvirt side of deploying (core/provisioning/deploy/DeployPort.ts): volumes are created in pools from
 * volume XML built through the XML layer (a qcow2 overlay with a `<backingStore>` for a linked clone,
 * virStorageVolCreateXMLFrom for a full copy), the seed ISO is uploaded through a stream (so a remote host
 * works like this one), and domains are defined / started / removed by UUID. Every object is freed here.
 */
import type { HostManager } from '../../core/hosts/HostManager';
import type { DeployPort, NewVolume, VolumeRef } from '../../core/provisioning/deploy/DeployPort';
import { XmlDocument, XmlNode } from '../../core/xml/XmlDocument';
import {
  LibvirtError,
  uploadVolume,
  virDomainUndefineFlagsValues,
  type Connection,
  type Domain,
  type StoragePool,
  type StorageVol,
} from '../../../native-helpers/libvirt/lib';
import { libvirtConnectionOf } from './LibvirtHostDriver';
import { mapLibvirtError } from './mapLibvirtError';

export class LibvirtDeployPort implements DeployPort {
  constructor(private readonly hosts: Pick<HostManager, 'session'>) {}

  async domainExists(hostId: string, name: string): Promise<boolean> {
    return this.call(hostId, async (conn) => {
      try {
        (await conn.lookupDomainByName(name)).free();
        return true;
      } catch (error) {
        if (error instanceof LibvirtError && error.is('VIR_ERR_NO_DOMAIN')) return false;
        throw error;
      }
    });
  }

  async volumeExists(hostId: string, ref: VolumeRef): Promise<boolean> {
    return this.call(hostId, (conn) =>
      withPool(conn, ref.pool, async (pool) => {
        try {
          (await pool.lookupVolumeByName(ref.volume)).free();
          return true;
        } catch (error) {
          if (error instanceof LibvirtError && error.is('VIR_ERR_NO_STORAGE_VOL')) return false;
          throw error;
        }
      }),
    );
  }

  async createVolume(hostId: string, volume: NewVolume): Promise<void> {
    await this.call(hostId, (conn) =>
      withPool(conn, volume.pool, async (pool) => {
        if (!volume.from) {
          (await pool.createVolumeXML(volumeXml(volume))).free();
          return;
        }
        const { from } = volume;
        await withPool(conn, from.base.pool, (basePool) =>
          withVolume(basePool, from.base.volume, async (base) => {
            if (from.mode === 'full-copy') {
              (await pool.createVolumeXMLFrom(volumeXml(volume), base)).free();
              return;
            }
            const baseXml = new XmlNode(XmlDocument.parse(await base.getXMLDesc(), 'volume XML').root);
            const backing = { path: await base.getPath(), format: baseXml.value('target/format/@type') ?? 'raw' };
            (await pool.createVolumeXML(volumeXml(volume, backing))).free();
          }),
        );
      }),
    );
  }

  async uploadVolume(hostId: string, ref: VolumeRef, bytes: Buffer): Promise<void> {
    await this.call(hostId, (conn) => withPool(conn, ref.pool, (pool) => withVolume(pool, ref.volume, (vol) => uploadVolume(vol, bytes))));
  }

  async deleteVolume(hostId: string, ref: VolumeRef): Promise<void> {
    await this.call(hostId, (conn) => withPool(conn, ref.pool, (pool) => withVolume(pool, ref.volume, (vol) => vol.delete())));
  }

  async defineDomain(hostId: string, xml: string): Promise<string> {
    return this.call(hostId, async (conn) => {
      const domain = await conn.defineDomainXML(xml);
      try {
        return domain.getUUIDString();
      } finally {
        domain.free();
      }
    });
  }

  async startDomain(hostId: string, uuid: string): Promise<void> {
    await this.call(hostId, (conn) => withDomain(conn, uuid, (d) => d.create()));
  }

  async startFirstBoot(hostId: string, xml: string): Promise<void> {
    await this.call(hostId, async (conn) => (await conn.createDomainXML(xml)).free());
  }

  async destroyDomain(hostId: string, uuid: string): Promise<void> {
    await this.call(hostId, (conn) =>
      withDomain(conn, uuid, async (d) => {
        if (await d.isActive()) await d.destroy();
      }),
    );
  }

  async undefineDomain(hostId: string, uuid: string): Promise<void> {
    const flags = virDomainUndefineFlagsValues.VIR_DOMAIN_UNDEFINE_NVRAM | virDomainUndefineFlagsValues.VIR_DOMAIN_UNDEFINE_TPM;
    await this.call(hostId, (conn) => withDomain(conn, uuid, (d) => d.undefine(flags)));
  }

  private async call<T>(hostId: string, work: (conn: Connection) => Promise<T>): Promise<T> {
    try {
      return await work(libvirtConnectionOf(this.hosts.session(hostId)));
    } catch (error) {
      throw mapLibvirtError(error, { details: { hostId } });
    }
  }
}

/** The volume XML of libvirt's storage format (https://libvirt.org/formatstorage.html#storage-volume-xml). */
export function volumeXml(volume: NewVolume, backing?: { path: string; format: string }): string {
  const document = XmlDocument.parse('<volume/>', 'volume XML');
  const root = new XmlNode(document.root);
  root.setText('name', volume.volume);
  const capacity = root.ensure('capacity');
  capacity.setAttribute('unit', 'bytes');
  capacity.node.textContent = String(volume.capacityBytes);
  // Thin: a qcow2 grows as the guest writes; the small raw seed is written in full by the upload anyway.
  const allocation = root.ensure('allocation');
  allocation.setAttribute('unit', 'bytes');
  allocation.node.textContent = volume.format === 'raw' ? String(volume.capacityBytes) : '0';
  root.ensure('target/format').setAttribute('type', volume.format);
  if (backing) {
    root.setText('backingStore/path', backing.path);
    root.ensure('backingStore/format').setAttribute('type', backing.format);
  }
  return document.toString();
}

async function withPool<T>(conn: Connection, name: string, work: (pool: StoragePool) => Promise<T>): Promise<T> {
  const pool = await conn.lookupStoragePoolByName(name);
  try {
    return await work(pool);
  } finally {
    pool.free();
  }
}

async function withVolume<T>(pool: StoragePool, name: string, work: (vol: StorageVol) => Promise<T>): Promise<T> {
  const vol = await pool.lookupVolumeByName(name);
  try {
    return await work(vol);
  } finally {
    vol.free();
  }
}

async function withDomain<T>(conn: Connection, uuid: string, work: (domain: Domain) => Promise<T>): Promise<T> {
  const domain = await conn.lookupDomainByUUIDString(uuid);
  try {
    return await work(domain);
  } finally {
    domain.free();
  }
}
