import type { monitoringMethods } from '../../../preload/api/monitoring';
import type { Monitoring } from '../../core/monitoring/Monitoring';
import type { HandlersFor } from './HandlerTypes';

export function monitoringHandlers({ monitoring }: { monitoring: Monitoring }): HandlersFor<typeof monitoringMethods> {
  return {
    'monitoring.getSettings': async () => monitoring.getSettings(),
    'monitoring.setSettings': async (settings) => monitoring.setSettings(settings),
    'monitoring.vmHistory': async ({ hostId, uuid, sinceMs }) => monitoring.vmHistorySince({ hostId, uuid }, sinceMs),
    'monitoring.hostHistory': async ({ hostId, sinceMs }) => monitoring.hostHistorySince(hostId, sinceMs),
  };
}
