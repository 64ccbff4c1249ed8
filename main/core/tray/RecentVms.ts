/** The VMs the user acted on most recently, newest first: what the tray offers quick actions for. */
import type { VmRef } from '../../../preload/contract';
import { Emitter } from '../Emitter';

export class RecentVms {
  private refs: VmRef[] = [];
  readonly changed = new Emitter<VmRef[]>();

  constructor(private readonly limit = 5) {}

  touch(ref: VmRef): void {
    const rest = this.refs.filter((r) => !(r.hostId === ref.hostId && r.uuid === ref.uuid));
    this.refs = [{ hostId: ref.hostId, uuid: ref.uuid }, ...rest].slice(0, this.limit);
    this.changed.emit(this.list());
  }

  forget(ref: VmRef): void {
    const before = this.refs.length;
    this.refs = this.refs.filter((r) => !(r.hostId === ref.hostId && r.uuid === ref.uuid));
    if (this.refs.length !== before) this.changed.emit(this.list());
  }

  list(): VmRef[] {
    return [...this.refs];
  }
}
