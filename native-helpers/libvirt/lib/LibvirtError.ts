import { virErrorDomain, virErrorLevel, virErrorNumber } from './constants.generated';

function reverse<T extends Record<string, number>>(table: T): Map<number, keyof T & string> {
  const map = new Map<number, keyof T & string>();
  for (const [name, value] of Object.entries(table)) if (!map.has(value)) map.set(value, name as keyof T & string);
  return map;
}
const codeNames = reverse(virErrorNumber);
const domainNames = reverse(virErrorDomain);
const levelNames = reverse(virErrorLevel);

export type LibvirtErrorCodeName = keyof typeof virErrorNumber;

/** The fields libvirt reports for a failed call (virError). */
export interface LibvirtErrorFields {
  code: number;
  domain: number;
  level: number;
  /** The libvirt function that failed, e.g. "virDomainCreateWithFlags". */
  function?: string;
}

/**
 * Every failed libvirt call rejects with this class (the addon instantiates it, see setErrorClass), carrying
 * libvirt's numeric code, domain and level plus stable string names for them.
 */
export class LibvirtError extends Error {
  readonly code: number;
  /** e.g. "VIR_ERR_NO_DOMAIN"; "VIR_ERR_UNKNOWN_<n>" for codes newer than our generated table. */
  readonly codeName: string;
  readonly domain: number;
  /** e.g. "VIR_FROM_QEMU". */
  readonly domainName: string;
  readonly level: number;
  readonly levelName: string;
  readonly function: string | undefined;

  constructor(message: string, fields: LibvirtErrorFields) {
    super(message);
    this.name = 'LibvirtError';
    this.code = fields.code;
    this.codeName = codeNames.get(fields.code) ?? `VIR_ERR_UNKNOWN_${fields.code}`;
    this.domain = fields.domain;
    this.domainName = domainNames.get(fields.domain) ?? `VIR_FROM_UNKNOWN_${fields.domain}`;
    this.level = fields.level;
    this.levelName = levelNames.get(fields.level) ?? 'VIR_ERR_ERROR';
    this.function = fields.function;
  }

  /** True when this error has the given code, by name: `err.is('VIR_ERR_NO_DOMAIN')`. */
  is(codeName: LibvirtErrorCodeName): boolean {
    return this.code === virErrorNumber[codeName];
  }
}
