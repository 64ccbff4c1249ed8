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
    'networks.start': (ref) => networks.start(ref),
    'networks.stop': (ref) => networks.stop(ref),
    'networks.setAutostart': ({ autostart, ...ref }) => networks.setAutostart(ref, autostart),
    'networks.delete': async (ref) => {
      await networks.delete(ref);
      return null;
    },
  };
}
