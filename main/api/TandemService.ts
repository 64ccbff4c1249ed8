/**
 * The one implementation of the contract's methods (preload/contract.ts), composed from one handler file
 * per capability (main/api/handlers/). Arguments arrive already validated by the dispatcher; results are
 * validated on the way out. Each handler is a thin step into core.
 */
import type { MethodArgs, MethodName, MethodOutput } from '../../preload/contract';
import { appHandlers } from './handlers/appHandlers';
import { checkpointsHandlers, type CheckpointsHandlerDeps } from './handlers/checkpointsHandlers';
import { hostsHandlers } from './handlers/hostsHandlers';
import { vmsHandlers, type VmsHandlerDeps } from './handlers/vmsHandlers';

export type ServiceHandlers = { [M in MethodName]: (args: MethodArgs<M>) => Promise<MethodOutput<M>> };

export interface ServiceDeps extends VmsHandlerDeps, CheckpointsHandlerDeps {
  version: string;
  mode: 'electron' | 'browser' | 'headless';
}

export function createTandemService(deps: ServiceDeps): ServiceHandlers {
  return {
    ...appHandlers(deps),
    ...hostsHandlers(deps),
    ...vmsHandlers(deps),
    ...checkpointsHandlers(deps),
  };
}
