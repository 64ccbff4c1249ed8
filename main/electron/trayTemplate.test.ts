import { describe, expect, it } from 'vitest';
import type { TrayAction, TrayMenuItem } from '../core/tray/buildTrayMenu';
import { toElectronMenuTemplate } from './trayTemplate';

const ref = { hostId: 'alpha', uuid: '11111111-1111-4111-8111-111111111111' };

describe('toElectronMenuTemplate', () => {
  const items: TrayMenuItem[] = [
    { type: 'item', id: 'show', label: 'Show Tandem', enabled: true, action: { kind: 'show-window' } },
    { type: 'separator' },
    {
      type: 'submenu',
      id: 'vm:alpha/x',
      label: 'web (running) on alpha',
      items: [
        { type: 'item', id: 'start', label: 'Start', enabled: false, action: { kind: 'call', method: 'vms.start', args: ref } },
        { type: 'item', id: 'pause', label: 'Pause', enabled: true, action: { kind: 'call', method: 'vms.suspend', args: ref } },
      ],
    },
    { type: 'item', id: 'status', label: 'alpha: connected', enabled: false },
  ];

  it('keeps structure, labels, ids and enabled flags', () => {
    const template = toElectronMenuTemplate(items, () => undefined);
    expect(template).toHaveLength(4);
    expect(template[0]).toMatchObject({ id: 'show', label: 'Show Tandem', enabled: true });
    expect(template[1]).toEqual({ type: 'separator' });
    expect(template[2]).toMatchObject({ id: 'vm:alpha/x', label: 'web (running) on alpha' });
    const submenu = template[2]!.submenu;
    expect(Array.isArray(submenu) && submenu.map((i) => [i.label, i.enabled])).toEqual([
      ['Start', false],
      ['Pause', true],
    ]);
    expect(template[3]).toEqual({ id: 'status', label: 'alpha: connected', enabled: false });
  });

  it('routes clicks to the handler with the item action and label', () => {
    const seen: Array<[TrayAction, string]> = [];
    const template = toElectronMenuTemplate(items, (action, label) => seen.push([action, label]));
    const submenu = template[2]!.submenu;
    if (!Array.isArray(submenu)) throw new Error('expected a submenu array');
    // Electron passes (menuItem, window, event); the template ignores them.
    const click = submenu[1]!.click as unknown as () => void;
    click();
    (template[0]!.click as unknown as () => void)();
    expect(seen).toEqual([
      [{ kind: 'call', method: 'vms.suspend', args: ref }, 'Pause'],
      [{ kind: 'show-window' }, 'Show Tandem'],
    ]);
  });

  it('gives items without an action no click handler', () => {
    const template = toElectronMenuTemplate(items, () => undefined);
    expect(template[3]!.click).toBeUndefined();
    expect(template[1]!.click).toBeUndefined();
  });
});
