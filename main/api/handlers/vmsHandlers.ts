import type { vmsMethods } from '../../../preload/api/vms';
import type { VmDetail, VmSummary } from '../../../preload/contract';
import { NotFoundError, OperationFailedError } from '../../core/errors';
import type { VmAction } from '../../core/hosts/HostDriver';
import type { HostManager } from '../../core/hosts/HostManager';
import { DomainXml } from '../../core/inventory/DomainXml';
import type { Inventory } from '../../core/inventory/Inventory';
import type { HandlersFor } from './HandlerTypes';

export interface VmsHandlerDeps {
  hosts: HostManager;
  inventory: Inventory;
  /** Called after a VM lifecycle action succeeds (the tray's recent VMs). */
  onVmUsed?: (vm: VmSummary) => void;
}

export function vmGone(hostId: string, uuid: string): NotFoundError {
  return new NotFoundError('vm.not-found', `VM ${uuid} no longer exists on ${hostId}`, { details: { hostId, uuid } });
}

export function vmsHandlers(deps: VmsHandlerDeps): HandlersFor<typeof vmsMethods> {
  const { hosts, inventory } = deps;

  /** Runs a lifecycle action, then re-reads the VM: undefined when the action made it cease to exist. */
  async function runVmAction(hostId: string, uuid: string, action: VmAction): Promise<VmSummary | undefined> {
    await hosts.session(hostId).runVmAction(uuid, action);
    const vm = await inventory.refresh(hostId, uuid);
    if (vm) deps.onVmUsed?.(vm);
    return vm;
  }

  /** Actions after which the VM must still exist. */
  const vmAction =
    (action: VmAction) =>
    async ({ hostId, uuid }: { hostId: string; uuid: string }): Promise<VmSummary> => {
      const vm = await runVmAction(hostId, uuid, action);
      if (!vm) throw vmGone(hostId, uuid);
      return vm;
    };

  /** Stopping actions: a transient VM is gone once stopped, which is success, answered with null. */
  const stoppingAction =
    (action: 'shutdown' | 'destroy') =>
    async ({ hostId, uuid }: { hostId: string; uuid: string }): Promise<VmSummary | null> =>
      (await runVmAction(hostId, uuid, action)) ?? null;

  async function freshVm(hostId: string, uuid: string): Promise<VmSummary> {
    const vm = await inventory.refresh(hostId, uuid);
    if (!vm) throw vmGone(hostId, uuid);
    return vm;
  }

  return {
    'vms.list': async ({ hostId }) => inventory.list(hostId),
    'vms.get': async ({ hostId, uuid }): Promise<VmDetail> => {
      const session = hosts.session(hostId);
      const [summary, xml, autostart] = await Promise.all([
        freshVm(hostId, uuid),
        session.getVmXml(uuid),
        session.getVmAutostart(uuid),
      ]);
      const model = DomainXml.parse(xml);
      return {
        ...summary,
        osType: model.osType,
        ...(model.arch ? { arch: model.arch } : {}),
        ...(model.machine ? { machine: model.machine } : {}),
        domainType: model.domainType,
        autostart,
        disks: model.disks,
        nics: model.nics,
        graphics: model.graphics,
        xml,
      };
    },
    'vms.defineXml': async ({ hostId, xml }) => {
      // Parse first: malformed XML is the user's error, reported before anything reaches the host.
      DomainXml.parse(xml);
      const record = await hosts.session(hostId).defineVm(xml);
      const vm = await inventory.refresh(hostId, record.uuid);
      if (!vm) throw new OperationFailedError('vm.define-vanished', `VM ${record.name} vanished right after it was defined`);
      return vm;
    },
    'vms.undefine': async ({ hostId, uuid }) => {
      await hosts.session(hostId).undefineVm(uuid);
      await inventory.refresh(hostId, uuid);
      return null;
    },
    'vms.start': vmAction('start'),
    'vms.shutdown': stoppingAction('shutdown'),
    'vms.destroy': stoppingAction('destroy'),
    'vms.reboot': vmAction('reboot'),
    'vms.suspend': vmAction('suspend'),
    'vms.resume': vmAction('resume'),
  };
}
