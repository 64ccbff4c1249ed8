/**
 * Every VM of every connected host, kept current from the hosts' events rather than by polling: when a
 * session opens the inventory lists its VMs once, then refreshes one VM whenever the host reports a change.
 * Refreshes of the same VM are serialized, so an older read never overwrites a newer one; and the first
 * listing, which can take a while on a big or remote host, leaves alone every VM that changed while it ran
 * (their refreshes are newer), and is dropped if its session is no longer the host's. The domains of
 * Tandem's KVM probe are never listed.
 */
import type { VmSummary } from '../../../preload/contract';
import { Emitter } from '../Emitter';
import { NotFoundError, TandemError } from '../errors';
import type { Disposable, HostSession, VmRecord } from '../hosts/HostDriver';
import type { HostManager } from '../hosts/HostManager';
import { isKvmProbeDomain } from '../hosts/KvmProbe';
import { createLogger } from '../logging';

const log = createLogger('inventory');

export interface VmRemoved {
  hostId: string;
  uuid: string;
}

/** A host's first listing after its session opened: every VM it has now (and any that changed meanwhile). */
export interface HostListed {
  hostId: string;
  uuids: ReadonlySet<string>;
}

export class Inventory {
  private readonly vmsByHost = new Map<string, Map<string, VmSummary>>();
  private readonly sessionSubscriptions = new Map<string, Disposable>();
  private readonly refreshQueues = new Map<string, Promise<void>>();
  private readonly subscriptions: Disposable[];
  /** The first listing of each host's current session, and the VMs that changed while it ran. */
  private readonly loads = new Map<string, HostLoad>();

  readonly vmChanged = new Emitter<VmSummary>();
  readonly vmRemoved = new Emitter<VmRemoved>();
  /** What a host holds in full, for records kept across runs (a VM removed while Tandem was closed fires no vmRemoved). */
  readonly hostListed = new Emitter<HostListed>();

  constructor(private readonly hosts: HostManager) {
    this.subscriptions = [
      hosts.sessionOpened.on(({ hostId, session }) => this.attach(hostId, session)),
      hosts.sessionClosed.on((hostId) => this.detach(hostId)),
      hosts.hostRemoved.on((hostId) => this.dropHost(hostId)),
    ];
  }

  list(hostId?: string): VmSummary[] {
    if (hostId !== undefined) {
      this.hosts.get(hostId); // NotFound for an unknown host
      return [...(this.vmsByHost.get(hostId)?.values() ?? [])];
    }
    return [...this.vmsByHost.values()].flatMap((vms) => [...vms.values()]);
  }

  /** Resolves once the first listing of every currently connected host is in. */
  async ready(): Promise<void> {
    await this.hosts.settled();
    await Promise.all([...this.loads.values()].map((load) => load.done));
  }

  /** Re-reads one VM from its host and publishes the result; returns the fresh summary. */
  refresh(hostId: string, uuid: string): Promise<VmSummary | undefined> {
    const key = `${hostId}/${uuid}`;
    let result: VmSummary | undefined;
    const previous = this.refreshQueues.get(key) ?? Promise.resolve();
    const next = previous.then(async () => {
      result = await this.readVm(hostId, uuid);
    });
    const settled = next.catch(() => undefined);
    this.refreshQueues.set(key, settled);
    void settled.then(() => {
      if (this.refreshQueues.get(key) === settled) this.refreshQueues.delete(key);
    });
    return next.then(() => result);
  }

  dispose(): void {
    for (const sub of this.subscriptions) sub.dispose();
    for (const sub of this.sessionSubscriptions.values()) sub.dispose();
    this.sessionSubscriptions.clear();
  }

  // -------------------------------------------------------------------------------------------------------

  private attach(hostId: string, session: HostSession): void {
    this.sessionSubscriptions.get(hostId)?.dispose();
    const load: HostLoad = { session, changedDuringLoad: new Set(), done: Promise.resolve() };
    this.loads.set(hostId, load);
    this.sessionSubscriptions.set(
      hostId,
      session.onVmChange((change) => {
        if (this.loads.get(hostId) === load) load.changedDuringLoad.add(change.uuid);
        if (change.removed) this.remove(hostId, change.uuid);
        else
          void this.refresh(hostId, change.uuid).catch((error: unknown) =>
            log.warn(`refreshing VM ${change.uuid} on ${hostId} failed`, error),
          );
      }),
    );
    load.done = this.loadAll(hostId, load)
      .catch((error: unknown) => log.warn(`listing VMs of ${hostId} failed`, error))
      .finally(() => {
        if (this.loads.get(hostId) === load) this.loads.delete(hostId);
      });
  }

  private async loadAll(hostId: string, load: HostLoad): Promise<void> {
    const records = (await load.session.listVms()).filter((r) => !isKvmProbeDomain(r.name));
    if (this.loads.get(hostId) !== load) return; // the session closed or was replaced meanwhile
    const fresh = new Map(records.map((r) => [r.uuid, withHost(hostId, r)]));
    const known = this.vmsByHost.get(hostId) ?? new Map<string, VmSummary>();
    for (const uuid of known.keys()) {
      if (!fresh.has(uuid) && !load.changedDuringLoad.has(uuid)) this.remove(hostId, uuid);
    }
    for (const vm of fresh.values()) {
      if (!load.changedDuringLoad.has(vm.uuid)) this.publish(vm);
    }
    this.hostListed.emit({ hostId, uuids: new Set([...fresh.keys(), ...load.changedDuringLoad]) });
  }

  private detach(hostId: string): void {
    this.sessionSubscriptions.get(hostId)?.dispose();
    this.sessionSubscriptions.delete(hostId);
    this.loads.delete(hostId);
    // The last known VMs stay listed while a host is unreachable; the host's status says they are stale.
  }

  private dropHost(hostId: string): void {
    this.detach(hostId);
    for (const uuid of [...(this.vmsByHost.get(hostId)?.keys() ?? [])]) this.remove(hostId, uuid);
    this.vmsByHost.delete(hostId);
  }

  private async readVm(hostId: string, uuid: string): Promise<VmSummary | undefined> {
    let record: VmRecord;
    try {
      record = await this.hosts.session(hostId).getVm(uuid);
    } catch (error) {
      if (error instanceof NotFoundError) {
        this.remove(hostId, uuid);
        return undefined;
      }
      throw error instanceof TandemError ? error : new Error(`reading VM ${uuid}: ${String(error)}`);
    }
    if (isKvmProbeDomain(record.name)) return undefined; // Tandem's own, for a second (hosts/KvmProbe.ts)
    const vm = withHost(hostId, record);
    this.publish(vm);
    return vm;
  }

  private publish(vm: VmSummary): void {
    let vms = this.vmsByHost.get(vm.hostId);
    if (!vms) this.vmsByHost.set(vm.hostId, (vms = new Map()));
    const previous = vms.get(vm.uuid);
    vms.set(vm.uuid, vm);
    if (!previous || !sameSummary(previous, vm)) this.vmChanged.emit(vm);
  }

  private remove(hostId: string, uuid: string): void {
    if (this.vmsByHost.get(hostId)?.delete(uuid)) this.vmRemoved.emit({ hostId, uuid });
  }
}

interface HostLoad {
  session: HostSession;
  changedDuringLoad: Set<string>;
  done: Promise<void>;
}

function withHost(hostId: string, record: VmRecord): VmSummary {
  return { hostId, ...record };
}

function sameSummary(a: VmSummary, b: VmSummary): boolean {
  return (
    a.name === b.name &&
    a.state === b.state &&
    a.stateReason === b.stateReason &&
    a.vcpus === b.vcpus &&
    a.memoryKiB === b.memoryKiB &&
    a.persistent === b.persistent &&
    (a.tags ?? []).join('\n') === (b.tags ?? []).join('\n')
  );
}
