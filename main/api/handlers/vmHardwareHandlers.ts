import type { vmHardwareMethods } from '../../../preload/api/vmHardware';
import type { HardwareEditor } from '../../core/inventory/HardwareEditor';
import type { Inventory } from '../../core/inventory/Inventory';
import { normalizeTags } from '../../core/inventory/vmTags';
import type { HandlersFor } from './HandlerTypes';
import { vmGone } from './vmsHandlers';

export interface VmHardwareHandlerDeps {
  inventory: Inventory;
  hardware: HardwareEditor;
  /** Writes a VM's tags into its domain XML metadata (drivers/libvirt/vmTagsMetadata.ts). */
  writeVmTags(hostId: string, uuid: string, tags: string[]): Promise<void>;
}

export function vmHardwareHandlers(deps: VmHardwareHandlerDeps): HandlersFor<typeof vmHardwareMethods> {
  const { inventory, hardware } = deps;
  return {
    'vms.hardware': ({ hostId, uuid }) => hardware.read(hostId, uuid),
    'vms.editHardware': async ({ hostId, uuid, changes }) => {
      const outcome = await hardware.edit(hostId, uuid, changes);
      // vCPU and memory changes show in the summary; libvirt sends no lifecycle event for them.
      await inventory.refresh(hostId, uuid);
      return outcome;
    },
    'vms.setTags': async ({ hostId, uuid, tags }) => {
      const normalized = normalizeTags(tags);
      await deps.writeVmTags(hostId, uuid, normalized);
      const vm = await inventory.refresh(hostId, uuid);
      if (!vm) throw vmGone(hostId, uuid);
      return vm.tags ?? [];
    },
  };
}
