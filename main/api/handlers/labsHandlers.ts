import type { labsMethods } from '../../../preload/api/labs';
import type { LabDeployer } from '../../core/provisioning/deploy/LabDeployer';
import type { ProvisioningService } from '../../core/provisioning/ProvisioningService';
import type { HandlersFor } from './HandlerTypes';

export interface LabsHandlerDeps {
  labs: LabDeployer;
  provisioning: ProvisioningService;
}

export function labsHandlers({ labs, provisioning }: LabsHandlerDeps): HandlersFor<typeof labsMethods> {
  return {
    'provisioning.placeLab': ({ vms, overrideHostId, uplink }) =>
      provisioning.placeLab(vms, { ...(overrideHostId !== undefined ? { overrideHostId } : {}), ...(uplink ? { uplink } : {}) }),
    'provisioning.deployLab': async (request) => ({ jobId: (await labs.deploy(request)).id }),
  };
}
