import type { networksMethods } from '../../../preload/api/networks';
import type { NetworkService } from '../../core/networks/NetworkService';
import type { HandlersFor } from './HandlerTypes';

export interface NetworksHandlerDeps {
  networks: NetworkService;
}

export function networksHandlers({ networks }: NetworksHandlerDeps): HandlersFor<typeof networksMethods> {
  return {
    'networks.list': ({ hostId }) => networks.list(hostId),
    'networks.create': (request) => networks.create(request),
    'networks.delete': async (ref) => {
      await networks.delete(ref);
      return null;
    },
  };
}
