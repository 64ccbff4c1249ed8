import type { labsMethods } from '../../../preload/api/labs';
import type { LabDeployer } from '../../core/provisioning/deploy/LabDeployer';
import type { HandlersFor } from './HandlerTypes';

export interface LabsHandlerDeps {
  labs: LabDeployer;
}

export function labsHandlers({ labs }: LabsHandlerDeps): HandlersFor<typeof labsMethods> {
  return {
    'provisioning.deployLab': async (request) => ({ jobId: (await labs.deploy(request)).id }),
  };
}
