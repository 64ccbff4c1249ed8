import type { hostsMethods } from '../../../preload/api/hosts';
import type { HostDetailsService } from '../../core/hosts/HostDetailsService';
import type { HostManager } from '../../core/hosts/HostManager';
import type { HandlersFor } from './HandlerTypes';

export interface HostsHandlerDeps {
  hosts: HostManager;
  hostDetails: HostDetailsService;
}

export function hostsHandlers({ hosts, hostDetails }: HostsHandlerDeps): HandlersFor<typeof hostsMethods> {
  return {
    'hosts.list': async () => hosts.list(),
    'hosts.add': async ({ uri, name }) => hosts.add(uri, name),
    'hosts.update': async ({ hostId, name, uri }) => hosts.update(hostId, { name, uri }),
    'hosts.remove': async ({ hostId }) => {
      await hosts.remove(hostId);
      return null;
    },
    'hosts.reconnect': async ({ hostId }) => hosts.reconnect(hostId),
    'hosts.details': async ({ hostId }) => {
      hosts.session(hostId); // a host that is down says so, rather than a driver error
      return hostDetails.details(hostId);
    },
  };
}
