/**
 * Turns a LibvirtError into the TandemError kind the user can act on, keeping libvirt's code, domain and
 * message. Anything that is not a LibvirtError is a bug and is rethrown untouched.
 */
import { LibvirtError, virErrorDomain, virErrorNumber, type LibvirtErrorCodeName } from '../../../native-helpers/libvirt/lib/index';
import {
  AuthFailedError,
  ConflictError,
  HostUnreachableError,
  InvalidInputError,
  NotFoundError,
  OperationFailedError,
  TandemError,
  UnsupportedError,
  type TandemErrorOptions,
} from '../../core/errors';

type Kind = new (code: string, message: string, options?: TandemErrorOptions) => TandemError;

const KIND_BY_CODE: Partial<Record<LibvirtErrorCodeName, Kind>> = {
  VIR_ERR_NO_DOMAIN: NotFoundError,
  VIR_ERR_NO_NETWORK: NotFoundError,
  VIR_ERR_NO_STORAGE_POOL: NotFoundError,
  VIR_ERR_NO_STORAGE_VOL: NotFoundError,
  VIR_ERR_NO_SECRET: NotFoundError,
  VIR_ERR_NO_DOMAIN_SNAPSHOT: NotFoundError,
  VIR_ERR_NO_DOMAIN_CHECKPOINT: NotFoundError,
  VIR_ERR_AUTH_FAILED: AuthFailedError,
  VIR_ERR_AUTH_CANCELLED: AuthFailedError,
  VIR_ERR_AUTH_UNAVAILABLE: AuthFailedError,
  VIR_ERR_NO_CONNECT: HostUnreachableError,
  VIR_ERR_INVALID_CONN: HostUnreachableError,
  VIR_ERR_RPC: HostUnreachableError,
  VIR_ERR_XML_ERROR: InvalidInputError,
  VIR_ERR_XML_DETAIL: InvalidInputError,
  VIR_ERR_XML_INVALID_SCHEMA: InvalidInputError,
  VIR_ERR_INVALID_ARG: InvalidInputError,
  VIR_ERR_CONFIG_UNSUPPORTED: InvalidInputError,
  VIR_ERR_OPERATION_INVALID: ConflictError,
  VIR_ERR_DOM_EXIST: ConflictError,
  VIR_ERR_NO_SUPPORT: UnsupportedError,
  VIR_ERR_ARGUMENT_UNSUPPORTED: UnsupportedError,
  VIR_ERR_OPERATION_UNSUPPORTED: UnsupportedError,
};

/**
 * Whether the error is the client's connection failing under the call, not the host refusing it. libvirt's
 * RPC client reports a daemon that died or a socket cut while a call waited as a system or internal error of
 * its own domain (VIR_FROM_RPC): "Cannot recv data: Connection reset by peer", "End of file while reading
 * data: Input/output error", and every later call "internal error: client socket is closed". They carry no
 * code of their own, so the domain tells them from the same codes raised by a driver on the host (a missing
 * file is VIR_ERR_SYSTEM_ERROR of VIR_FROM_STORAGE). Measured on libvirt 9.0 by killing a daemon mid-call
 * (test/integration/testbed/connectionLoss.test.ts). A daemon relays its own RPC errors with that domain too
 * (a peer-to-peer migration whose destination cannot be reached): also a host out of reach.
 */
export function isConnectionLoss(error: unknown): boolean {
  return (
    error instanceof LibvirtError &&
    error.domain === virErrorDomain.VIR_FROM_RPC &&
    (error.code === virErrorNumber.VIR_ERR_SYSTEM_ERROR || error.code === virErrorNumber.VIR_ERR_INTERNAL_ERROR)
  );
}

/**
 * During connect, a system error (connection refused, no such socket) means the host is unreachable; so does
 * a connection lost under a call (isConnectionLoss), which callers must not read as libvirt refusing it: a
 * deploy puts what the lost call may have created on its rollback list, and waits for the host to come back.
 */
export function mapLibvirtError(error: unknown, context: { connecting?: boolean; details?: Record<string, unknown> } = {}): unknown {
  if (!(error instanceof LibvirtError)) return error;
  let kind: Kind = KIND_BY_CODE[error.codeName as LibvirtErrorCodeName] ?? OperationFailedError;
  if ((context.connecting && kind === OperationFailedError) || isConnectionLoss(error)) kind = HostUnreachableError;
  return new kind(`libvirt.${error.codeName}`, error.message, {
    details: context.details,
    libvirt: {
      code: error.code,
      codeName: error.codeName,
      domain: error.domain,
      domainName: error.domainName,
      level: error.level,
    },
    cause: error,
  });
}

/** Runs a binding call and rethrows its failure as a TandemError. */
export async function mapped<T>(call: () => Promise<T>, details?: Record<string, unknown>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw mapLibvirtError(error, { details });
  }
}
