/**
 * What picking a tray item does, apart from Electron: confirm first when the item asks for it (a tray menu
 * cannot; main/electron passes a dialog), then call the contract, open a console in the window, show the
 * window or quit. A failed call is reported (a notification), never swallowed.
 */
import type { CallResult, VmRef } from '../../../preload/contract';
import type { TrayAction, TrayConfirmation } from './buildTrayMenu';

export interface TrayActionPorts {
  /** The contract's dispatcher (main/api/dispatch.ts): never rejects, failures are data. */
  dispatch(method: string, args: unknown): Promise<CallResult<unknown>>;
  /** Resolves true when the user confirmed. */
  confirm(confirmation: TrayConfirmation): Promise<boolean>;
  showWindow(): void;
  /** Emits the app-level "open console for this VM" request the window handles. */
  openConsole(vm: VmRef): void;
  quit(): void;
  notifyFailure(title: string, message: string): void;
}

export async function runTrayAction(action: TrayAction, label: string, ports: TrayActionPorts): Promise<void> {
  switch (action.kind) {
    case 'show-window':
      ports.showWindow();
      return;
    case 'quit':
      ports.quit();
      return;
    case 'open-console':
      ports.showWindow();
      ports.openConsole(action.vm);
      return;
    case 'call': {
      if (action.confirm && !(await ports.confirm(action.confirm))) return;
      // The dispatcher never rejects; a failure comes back as data.
      const result = await ports.dispatch(action.method, action.args);
      if (!result.ok) ports.notifyFailure(`Tandem: ${label.replace(/…$/, '')} failed`, result.error.message);
      return;
    }
  }
}
