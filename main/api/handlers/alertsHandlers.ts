import type { alertsMethods } from '../../../preload/api/alerts';
import type { AlertCenter } from '../../core/monitoring/AlertCenter';
import type { HandlersFor } from './HandlerTypes';

export function alertsHandlers({ alerts }: { alerts: AlertCenter }): HandlersFor<typeof alertsMethods> {
  return {
    'alerts.list': async () => alerts.list(),
    'alerts.dismiss': async ({ id }) => {
      alerts.dismiss(id);
      return null;
    },
  };
}
