/**
 * The one implementation of the contract's methods (preload/contract.ts), composed from one handler file
 * per capability (main/api/handlers/). Arguments arrive already validated by the dispatcher; results are
 * validated on the way out. Each handler is a thin step into core.
 */
import type { MethodArgs, MethodName, MethodOutput } from '../../preload/contract';
import { alertsHandlers } from './handlers/alertsHandlers';
import { appHandlers } from './handlers/appHandlers';
import { hostsHandlers } from './handlers/hostsHandlers';
import { monitoringHandlers } from './handlers/monitoringHandlers';
import type { AlertCenter } from '../core/monitoring/AlertCenter';
import type { Monitoring } from '../core/monitoring/Monitoring';
import { vmsHandlers, type VmsHandlerDeps } from './handlers/vmsHandlers';

export type ServiceHandlers = { [M in MethodName]: (args: MethodArgs<M>) => Promise<MethodOutput<M>> };

export interface ServiceDeps extends VmsHandlerDeps {
  version: string;
  mode: 'electron' | 'browser' | 'headless';
  monitoring: Monitoring;
  alerts: AlertCenter;
}

export function createTandemService(deps: ServiceDeps): ServiceHandlers {
  return {
    ...appHandlers(deps),
    ...hostsHandlers(deps),
    ...vmsHandlers(deps),
    ...monitoringHandlers(deps),
    ...alertsHandlers(deps),
  };
}
