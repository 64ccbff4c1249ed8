import type { migrationMethods } from '../../../preload/api/migration';
import type { MigrationService } from '../../core/migration/MigrationService';
import type { HandlersFor } from './HandlerTypes';

export interface MigrationHandlerDeps {
  migration: MigrationService;
}

export function migrationHandlers({ migration }: MigrationHandlerDeps): HandlersFor<typeof migrationMethods> {
  return {
    'migration.check': async ({ hostId, uuid, options: { destinationHostId, ...settings } }) =>
      migration.check(hostId, uuid, destinationHostId, settings),
    'migration.start': async ({ hostId, uuid, options: { destinationHostId, ...settings } }) => ({
      job: await migration.start(hostId, uuid, destinationHostId, settings),
    }),
    'migration.evacuate': async ({ hostId, options }) => {
      const settings = options ?? { mode: 'live' as const, storage: 'shared' as const, allowUnsafe: false };
      return migration.evacuate(hostId, settings);
    },
  };
}
