/**
 * Turns the tray's pure menu model (core/tray/buildTrayMenu) into Electron's menu template. Only a type is
 * imported from Electron, so this runs (and is tested) in plain Node; tray.ts hands the result to
 * Menu.buildFromTemplate.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { TrayAction, TrayMenuItem } from '../core/tray/buildTrayMenu';

/** Called when the user picks an item; `label` is the item's text, for notifications about the outcome. */
export type TrayActionHandler = (action: TrayAction, label: string) => void;

export function toElectronMenuTemplate(items: TrayMenuItem[], onAction: TrayActionHandler): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    switch (item.type) {
      case 'separator':
        return { type: 'separator' };
      case 'submenu':
        return { id: item.id, label: item.label, submenu: toElectronMenuTemplate(item.items, onAction) };
      case 'item': {
        const { action } = item;
        return {
          id: item.id,
          label: item.label,
          enabled: item.enabled,
          // Items without an action (status lines) get no click handler at all, rather than a no-op.
          ...(action ? { click: () => onAction(action, item.label) } : {}),
        };
      }
    }
  });
}
