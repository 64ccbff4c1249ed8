import type { deployMethods } from '../../../preload/api/deploy';
import type { Deployer } from '../../core/provisioning/deploy/Deployer';
import type { HandlersFor } from './HandlerTypes';

export interface DeployHandlerDeps {
  deployer: Deployer;
}

export function deployHandlers({ deployer }: DeployHandlerDeps): HandlersFor<typeof deployMethods> {
  return {
    'provisioning.deploy': async (request) => ({ jobId: (await deployer.deploy(request)).id }),
    'provisioning.previewXml': (request) => deployer.previewXml(request),
  };
}
