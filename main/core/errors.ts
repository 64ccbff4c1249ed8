/**
 * Typed failures of Tandem's core. Each kind maps 1:1 to a contract ErrorName, so the api layer can send
 * them across the boundary as data. Programming errors are plain Errors and become `Internal`.
 */
import type { ContractError, ErrorName } from '../../preload/contract';

export interface LibvirtOrigin {
  code: number;
  codeName: string;
  domain: number;
  domainName: string;
  level: number;
}

export interface TandemErrorOptions {
  details?: Record<string, unknown>;
  libvirt?: LibvirtOrigin;
  cause?: unknown;
}

export abstract class TandemError extends Error {
  abstract readonly kind: ErrorName;
  readonly details: Record<string, unknown> | undefined;
  readonly libvirt: LibvirtOrigin | undefined;

  constructor(
    /** Stable, machine-readable, e.g. "vm.not-found". */
    readonly code: string,
    message: string,
    options: TandemErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.details = options.details;
    this.libvirt = options.libvirt;
  }

  toContractError(): ContractError {
    return {
      name: this.kind,
      code: this.code,
      message: this.message,
      ...(this.details ? { details: this.details } : {}),
      ...(this.libvirt ? { libvirt: this.libvirt } : {}),
    };
  }
}

export class InvalidInputError extends TandemError {
  readonly kind = 'InvalidInput';
}
export class NotFoundError extends TandemError {
  readonly kind = 'NotFound';
}
export class ConflictError extends TandemError {
  readonly kind = 'Conflict';
}
export class HostUnreachableError extends TandemError {
  readonly kind = 'HostUnreachable';
}
export class AuthFailedError extends TandemError {
  readonly kind = 'AuthFailed';
}
export class UnsupportedError extends TandemError {
  readonly kind = 'Unsupported';
}
export class OperationFailedError extends TandemError {
  readonly kind = 'OperationFailed';
}
