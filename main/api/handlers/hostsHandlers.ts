import type { hostsMethods } from '../../../preload/api/hosts';
import type { HostManager } from '../../core/hosts/HostManager';
import type { HandlersFor } from './HandlerTypes';

export function hostsHandlers({ hosts }: { hosts: HostManager }): HandlersFor<typeof hostsMethods> {
  return {
    'hosts.list': async () => hosts.list(),
    'hosts.add': async ({ uri, name }) => hosts.add(uri, name),
    'hosts.remove': async ({ hostId }) => {
      await hosts.remove(hostId);
      return null;
    },
    'hosts.reconnect': async ({ hostId }) => hosts.reconnect(hostId),
  };
}
