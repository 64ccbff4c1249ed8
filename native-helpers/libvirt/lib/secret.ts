/**
 * Types of the secrets half of the addon (src/secret.cc): the Secret class and the secret calls it adds to
 * Connection. Enums: virSecretUsageType, virConnectListAllSecretsFlags, virSecretDefineFlags in
 * constants.generated.ts. Values are Buffers; the addon zeroes its own native copies, the caller owns (and
 * should zero with `buffer.fill(0)`) the Buffers it passes and receives.
 */

export interface Secret {
  getUUIDString(): string;
  /** virSecretUsageType */
  getUsageType(): number;
  /** The usage id (volume path, ceph/iscsi name, TLS name, vTPM name), null for usage type none. */
  getUsageID(): string | null;
  /** flags: none defined (0) */
  getXMLDesc(flags?: number): Promise<string>;
  setValue(value: Uint8Array): Promise<void>;
  getValue(): Promise<Buffer>;
  undefine(): Promise<void>;
  free(): void;
}

declare module './types' {
  interface Connection {
    /** flags: virConnectListAllSecretsFlags */
    listAllSecrets(flags?: number): Promise<Secret[]>;
    /** flags: virSecretDefineFlags */
    defineSecretXML(xml: string, flags?: number): Promise<Secret>;
    lookupSecretByUUIDString(uuid: string): Promise<Secret>;
    /** usageType: virSecretUsageType */
    lookupSecretByUsage(usageType: number, usageID: string): Promise<Secret>;
  }
}
