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
  /** A finished action worth telling about (a checkpoint taken, with its stun time). */
  notify(title: string, message: string): void;
  now(): Date;
}

/** A checkpoint taken from the tray is named after its moment (UTC, to the second). */
export function trayCheckpointName(at: Date): string {
  return `Tray ${at.toISOString().slice(0, 19).replace('T', ' ')}`;
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
    case 'take-checkpoint': {
      const name = trayCheckpointName(ports.now());
      const result = await ports.dispatch('checkpoints.take', { ...action.vm, name });
      if (!result.ok) {
        ports.notifyFailure(`Tandem: checkpoint of ${action.vmName} failed`, result.error.message);
        return;
      }
      const { stunMs, kind } = result.value as { stunMs: number | null; kind: string };
      const how = stunMs === null ? 'disks only, the VM was not paused' : `${kind === 'memory' ? 'memory and disks' : 'disks only'}, paused ${Math.round(stunMs)} ms`;
      ports.notify(`Tandem: checkpoint of ${action.vmName} taken`, `“${name}” (${how})`);
      return;
    }
    case 'call': {
      if (action.confirm && !(await ports.confirm(action.confirm))) return;
      // The dispatcher never rejects; a failure comes back as data.
      const result = await ports.dispatch(action.method, action.args);
      if (!result.ok) ports.notifyFailure(`Tandem: ${label.replace(/…$/, '')} failed`, result.error.message);
      return;
    }
  }
}
