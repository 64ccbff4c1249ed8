/**
 * Each capability implements its slice of the contract in one file of this folder; TandemService.ts
 * composes them, and the compiler checks that every contract method has exactly one handler.
 */
import type { MethodArgs, MethodName, MethodOutput } from '../../../preload/contract';

/** Handlers for the methods of one capability's method table (e.g. `typeof hostsMethods`). */
export type HandlersFor<Table> = {
  [M in keyof Table & MethodName]: (args: MethodArgs<M>) => Promise<MethodOutput<M>>;
};
