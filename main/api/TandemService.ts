/**
 * The one implementation of the contract's methods (preload/contract.ts), composed from one handler file
 * per capability (main/api/handlers/). Arguments arrive already validated by the dispatcher; results are
 * validated on the way out. Each handler is a thin step into core.
 */
import type { FavoriteVms } from '../core/tray/FavoriteVms';
import type { MethodArgs, MethodName, MethodOutput } from '../../preload/contract';
import { alertsHandlers } from './handlers/alertsHandlers';
import { monitoringHandlers } from './handlers/monitoringHandlers';
import type { AlertCenter } from '../core/monitoring/AlertCenter';
import type { Monitoring } from '../core/monitoring/Monitoring';
import type { CredentialBroker } from '../core/secrets/CredentialBroker';
import { appHandlers } from './handlers/appHandlers';
import { consolesHandlers, type ConsolesHandlerDeps } from './handlers/consolesHandlers';
import { credentialsHandlers } from './handlers/credentialsHandlers';
import { favoritesHandlers } from './handlers/favoritesHandlers';
import { hostsHandlers, type HostsHandlerDeps } from './handlers/hostsHandlers';
import { vmHardwareHandlers, type VmHardwareHandlerDeps } from './handlers/vmHardwareHandlers';
import { jobsHandlers, type JobsHandlerDeps } from './handlers/jobsHandlers';
import { migrationHandlers, type MigrationHandlerDeps } from './handlers/migrationHandlers';
import { checkpointsHandlers, type CheckpointsHandlerDeps } from './handlers/checkpointsHandlers';
import { provisioningHandlers, type ProvisioningHandlerDeps } from './handlers/provisioningHandlers';
import { deployHandlers, type DeployHandlerDeps } from './handlers/deployHandlers';
import { networksHandlers, type NetworksHandlerDeps } from './handlers/networksHandlers';
import { labsHandlers, type LabsHandlerDeps } from './handlers/labsHandlers';
import { guestAddressesHandlers, type GuestAddressesHandlerDeps } from './handlers/guestAddressesHandlers';
import { vmsHandlers, type VmsHandlerDeps } from './handlers/vmsHandlers';

export type ServiceHandlers = { [M in MethodName]: (args: MethodArgs<M>) => Promise<MethodOutput<M>> };

export interface ServiceDeps
  extends VmsHandlerDeps,
    VmHardwareHandlerDeps,
    HostsHandlerDeps,
    ConsolesHandlerDeps,
    JobsHandlerDeps,
    MigrationHandlerDeps,
    CheckpointsHandlerDeps,
    ProvisioningHandlerDeps,
    DeployHandlerDeps,
    NetworksHandlerDeps,
    LabsHandlerDeps,
    GuestAddressesHandlerDeps {
  favorites: FavoriteVms;
  credentials: CredentialBroker;
  version: string;
  mode: 'electron' | 'browser' | 'headless';
  monitoring: Monitoring;
  alerts: AlertCenter;
}

export function createTandemService(deps: ServiceDeps): ServiceHandlers {
  return {
    ...appHandlers(deps),
    ...credentialsHandlers(deps),
    ...hostsHandlers(deps),
    ...vmsHandlers(deps),
    ...monitoringHandlers(deps),
    ...alertsHandlers(deps),
    ...vmHardwareHandlers(deps),
    ...favoritesHandlers(deps),
    ...consolesHandlers(deps),
    ...jobsHandlers(deps),
    ...migrationHandlers(deps),
    ...checkpointsHandlers(deps),
    ...provisioningHandlers(deps),
    ...deployHandlers(deps),
    ...networksHandlers(deps),
    ...labsHandlers(deps),
    ...guestAddressesHandlers(deps),
  };
}
