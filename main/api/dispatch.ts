/**
 * The boundary: every call from a renderer (IPC or WebSocket) passes through here. It checks the method
 * exists, validates the arguments against the contract, runs the handler, validates the result, and turns
 * every failure into a serializable ContractError. Nothing thrown here can reach a transport.
 */
import { z } from 'zod';
import { isMethodName, methods, type CallResult, type ContractError } from '../../preload/contract';
import { TandemError } from '../core/errors';
import { createLogger } from '../core/logging';
import type { ServiceHandlers } from './TandemService';

const log = createLogger('api');

export type Dispatch = (method: unknown, args: unknown) => Promise<CallResult<unknown>>;

export function createDispatcher(handlers: ServiceHandlers): Dispatch {
  return async (method, args) => {
    if (!isMethodName(method)) {
      return failure({
        name: 'NotFound',
        code: 'method.unknown',
        message: `Unknown method ${typeof method === 'string' ? `"${method.slice(0, 128)}"` : `of type ${typeof method}`}`,
      });
    }
    const spec = methods[method];
    const parsed = spec.input.safeParse(args ?? {});
    if (!parsed.success) {
      return failure({
        name: 'InvalidInput',
        code: 'payload.invalid',
        message: `Invalid arguments for ${method}: ${summarizeIssues(parsed.error)}`,
        details: { issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })) },
      });
    }
    let value: unknown;
    try {
      const handler = handlers[method] as (a: unknown) => Promise<unknown>;
      value = await handler(parsed.data);
    } catch (error) {
      if (error instanceof TandemError) return failure(error.toContractError());
      log.error(`${method} failed unexpectedly`, error);
      return failure({
        name: 'Internal',
        code: 'internal.unexpected',
        message: `Tandem hit an internal error in ${method}: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
    const output = spec.output.safeParse(value);
    if (!output.success) {
      log.error(`${method} returned a value that breaks the contract`, output.error);
      return failure({
        name: 'Internal',
        code: 'internal.bad-result',
        message: `Tandem produced an invalid result for ${method}: ${summarizeIssues(output.error)}`,
      });
    }
    return { ok: true, value: output.data };
  };
}

function failure(error: ContractError): CallResult<never> {
  return { ok: false, error };
}

function summarizeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}
