/**
 * One operation at a time per VM across Tandem's services that change where or how a running VM's state
 * lives: checkpoints (take / revert / delete / commit, recovery) and live migration. A migration that started
 * while a checkpoint runs would move a VM whose disks are being switched or whose QEMU is being told to write
 * a background snapshot (a migration with QEMU's `background-snapshot` capability on leaves the source running:
 * the same disks on two hosts). The second caller gets a Conflict naming what runs.
 */
import { ConflictError } from '../errors';

export interface VmRef {
  hostId: string;
  uuid: string;
}

/** A held lock; release() is idempotent. */
export interface VmOperationLease {
  release(): void;
}

export class VmOperationLocks {
  private readonly held = new Map<string, string>();

  /** What runs on the VM now ("migration to host2", "checkpoint take"), or undefined. */
  holder(vm: VmRef): string | undefined {
    return this.held.get(keyOf(vm));
  }

  /** The lease, or undefined when another operation holds the VM. */
  tryAcquire(vm: VmRef, operation: string): VmOperationLease | undefined {
    const key = keyOf(vm);
    if (this.held.has(key)) return undefined;
    this.held.set(key, operation);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.held.delete(key);
      },
    };
  }

  /** The lease, or a ConflictError ('vm.busy') naming the operation that holds the VM. */
  acquire(vm: VmRef, operation: string): VmOperationLease {
    const lease = this.tryAcquire(vm, operation);
    if (lease) return lease;
    const running = this.holder(vm)!;
    throw new ConflictError('vm.busy', `Cannot start the ${operation} of this VM: a ${running} is running on it; try again once it has ended`, {
      details: { hostId: vm.hostId, uuid: vm.uuid, running },
    });
  }

  /** Runs `work` holding the VM's lock (a Conflict when it is held). */
  async run<T>(vm: VmRef, operation: string, work: () => Promise<T>): Promise<T> {
    const lease = this.acquire(vm, operation);
    try {
      return await work();
    } finally {
      lease.release();
    }
  }
}

function keyOf(vm: VmRef): string {
  return `${vm.hostId}/${vm.uuid}`;
}
