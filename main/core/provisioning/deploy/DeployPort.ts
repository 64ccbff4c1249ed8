/**
 * What deploying needs from a host, per call (the libvirt implementation resolves the host's session each
 * time, so a reconnect in the middle of a deploy is picked up). Names are libvirt object names on that host.
 */
export interface VolumeRef {
  pool: string;
  volume: string;
}

export interface NewVolume extends VolumeRef {
  capacityBytes: number;
  format: 'qcow2' | 'raw';
  /**
   * linked-clone: a qcow2 overlay whose backing store is the base volume (writes go to the overlay, the base
   * stays shared and untouched); full-copy: the base volume copied (and converted) into the new one.
   * Absent: an empty volume.
   */
  from?: { mode: 'linked-clone' | 'full-copy'; base: VolumeRef };
}

export interface DeployPort {
  domainExists(hostId: string, name: string): Promise<boolean>;
  volumeExists(hostId: string, ref: VolumeRef): Promise<boolean>;
  createVolume(hostId: string, volume: NewVolume): Promise<void>;
  /** Writes bytes into an existing volume (through libvirt's stream upload: works on remote hosts). */
  uploadVolume(hostId: string, ref: VolumeRef, bytes: Buffer): Promise<void>;
  deleteVolume(hostId: string, ref: VolumeRef): Promise<void>;
  /** Defines a persistent domain; returns its UUID. */
  defineDomain(hostId: string, xml: string): Promise<string>;
  startDomain(hostId: string, uuid: string): Promise<void>;
  /**
   * Starts the defined domain `xml` names (same UUID) on `xml` for this one run: its definition stays what the
   * next start boots (virDomainCreateXML over a defined domain, as virt-install starts an installer).
   */
  startFirstBoot(hostId: string, xml: string): Promise<void>;
  /** Stops the domain if it runs (no error when it does not). */
  destroyDomain(hostId: string, uuid: string): Promise<void>;
  /** Undefines the domain with its NVRAM and TPM state. */
  undefineDomain(hostId: string, uuid: string): Promise<void>;
}
