/**
 * Favorite VMs (starred in the table, offered first in the tray) and app-level UI requests that main sends
 * to the window (the tray's "Open console").
 */
import { z } from 'zod';
import { NoArgsSchema, VmRefSchema } from '../schemas';

export const FavoritesSchema = z.strictObject({ favorites: z.array(VmRefSchema) });

export const favoritesMethods = {
  'favorites.list': { input: NoArgsSchema, output: FavoritesSchema },
  /** Stars or unstars a VM; answers with the whole list (saved in the data folder). */
  'favorites.set': {
    input: z.strictObject({ hostId: VmRefSchema.shape.hostId, uuid: VmRefSchema.shape.uuid, favorite: z.boolean() }),
    output: FavoritesSchema,
  },
} as const;

export const favoritesEvents = {
  'favorites.changed': FavoritesSchema,
  /** Someone outside the window (the tray) asks the window to show this VM's console. */
  'ui.openConsole': VmRefSchema,
} as const;
