import type { HostSummary, VmSummary } from '../../preload/contract';
import type { InProcessTandem } from '../support/inProcessTandem';
import { removeTinyGuest, type TinyGuest } from './tinyGuest';

/**
 * For afterAll of contract tests with a tiny guest (anything may be unset when beforeAll failed part-way):
 * destroys and undefines the VM through the contract, deletes the guest's files and stops Tandem.
 */
export async function removeContractGuest(
  t: InProcessTandem | undefined,
  host: HostSummary | undefined,
  vm: VmSummary | undefined,
  guest: TinyGuest | undefined,
): Promise<void> {
  if (t && host && vm) {
    await t.client.call('vms.destroy', { hostId: host.id, uuid: vm.uuid }).catch(() => undefined);
    await t.client.call('vms.undefine', { hostId: host.id, uuid: vm.uuid }).catch(() => undefined);
  }
  if (guest) await removeTinyGuest(guest);
  await t?.stop();
}
