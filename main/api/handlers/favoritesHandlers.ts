import type { favoritesMethods } from '../../../preload/api/favorites';
import type { FavoriteVms } from '../../core/tray/FavoriteVms';
import type { HandlersFor } from './HandlerTypes';

export function favoritesHandlers(deps: { favorites: FavoriteVms }): HandlersFor<typeof favoritesMethods> {
  return {
    'favorites.list': async () => ({ favorites: deps.favorites.list() }),
    'favorites.set': async ({ hostId, uuid, favorite }) => ({ favorites: await deps.favorites.set({ hostId, uuid }, favorite) }),
  };
}
