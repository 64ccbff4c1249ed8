import type { consolesMethods } from '../../../preload/api/consoles';
import type { ConsoleHub } from '../../core/consoles/ConsoleHub';
import type { HandlersFor } from './HandlerTypes';

export interface ConsolesHandlerDeps {
  consoles: ConsoleHub;
}

export function consolesHandlers({ consoles }: ConsolesHandlerDeps): HandlersFor<typeof consolesMethods> {
  return {
    'consoles.open': async ({ hostId, uuid, kind, force }) => consoles.open({ hostId, uuid, kind, force }),
    'consoles.close': async ({ consoleId }) => {
      consoles.closeConsole(consoleId);
      return null;
    },
  };
}
