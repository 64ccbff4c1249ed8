/**
 * The libvirt side of the checkpoint engine (core/checkpoints/ports.ts): external snapshots without
 * libvirt metadata, restore with an adjusted XML, block jobs run to their end (with pivot).
 *
 * Memory checkpoints of a running VM use QEMU's background snapshot where the host allows it
 * (BackgroundSnapshot.ts: a local unix-socket connection, userfaultfd write-protection), libvirt's live
 * external snapshot otherwise. Stun time: the domain's own lifecycle events (PauseWatch.ts). In the live
 * snapshot libvirt pauses the vCPUs once the live memory dump has converged (SUSPENDED), switches the disks
 * and resumes (RESUMED); in the background snapshot Tandem pauses, libvirt switches the disks and QEMU
 * resumes the guest once its RAM is write-protected.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  virDomainBlockCommitFlags,
  virDomainBlockCopyFlags,
  virDomainBlockJobAbortFlags,
  virDomainPausedReason,
  virDomainSaveRestoreFlags,
  virDomainSnapshotCreateFlags,
  virDomainState,
  virDomainXMLFlags,
  type Connection,
  type Domain,
} from '../../../native-helpers/libvirt/lib/index';
import type {
  BlockJobSpec,
  CheckpointHypervisor,
  CheckpointVm,
  MemoryMethodChoice,
  SnapshotOutcome,
  SnapshotRequest,
  TpmStateFile,
  VmStatus,
} from '../../core/checkpoints/ports';
import { diskChain } from '../../core/checkpoints/domainDisks';
import { OperationFailedError, UnsupportedError } from '../../core/errors';
import { XmlDocument, XmlNode } from '../../core/xml/XmlDocument';
import * as backgroundSnapshot from './BackgroundSnapshot';
import { isThisMachine } from './hostLocality';
import { mapped } from './mapLibvirtError';
import { readTpmState, writeTpmState } from './libvirtTpmState';
import { withDomain } from './withDomain';
import { PauseWatch } from './PauseWatch';

const BLOCK_JOB_POLL_MS = 100;
const RESUMED_EVENT_GRACE_MS = 2_000;

export interface LibvirtCheckpointOptions {
  /** Use QEMU's background snapshot where possible (default true); false: always libvirt's live snapshot. */
  backgroundSnapshot?: boolean;
  /**
   * Test-only: decides from a connection's URI whether its host's files are this machine's (default
   * hostLocality.isThisMachine). The test bed's daemons all run here, on loopback, so a test stands in a
   * "remote" host by answering false for one of them.
   */
  isThisMachine?: (uri: string) => boolean;
}

export class LibvirtCheckpointHypervisor implements CheckpointHypervisor {
  /** connectionFor is resolved per call: sessions are replaced on reconnect. */
  constructor(
    private readonly connectionFor: (hostId: string) => Connection,
    private readonly options: LibvirtCheckpointOptions = {},
  ) {}

  /** Per connection (a reconnect brings a new one, possibly to a host whose URI was edited). */
  private readonly locality = new WeakMap<Connection, boolean>();

  /** The domain looked up for one use and freed after it (a handle per call would pin libvirt's object). */
  private withDomain<T>(vm: CheckpointVm, use: (dom: Domain) => Promise<T>, details?: Record<string, unknown>): Promise<T> {
    return withDomain(this.connectionFor(vm.hostId), vm.uuid, use, details);
  }

  /** From the URI libvirt reports for the connection (the one it actually opened). */
  async filesAreLocal(vm: CheckpointVm): Promise<boolean> {
    const conn = this.connectionFor(vm.hostId);
    let local = this.locality.get(conn);
    if (local === undefined) {
      local = (this.options.isThisMachine ?? isThisMachine)(await mapped(() => conn.getURI()));
      this.locality.set(conn, local);
    }
    return local;
  }

  async assertSupported(vm: CheckpointVm): Promise<void> {
    const type = await mapped(() => this.connectionFor(vm.hostId).getType());
    if (type !== 'QEMU') {
      throw new UnsupportedError('checkpoint.unsupported-host', `Checkpoints need a QEMU/KVM host; this one runs libvirt's ${type} driver`, { details: { hostId: vm.hostId } });
    }
  }

  status(vm: CheckpointVm): Promise<VmStatus> {
    return this.withDomain(vm, async (dom) => {
      const { state, reason } = await dom.getState();
      const { VIR_DOMAIN_PAUSED_SNAPSHOT, VIR_DOMAIN_PAUSED_SAVE, VIR_DOMAIN_PAUSED_MIGRATION, VIR_DOMAIN_PAUSED_STARTING_UP } = virDomainPausedReason;
      const runState: VmStatus['state'] =
        state === virDomainState.VIR_DOMAIN_RUNNING
          ? 'running'
          : state === virDomainState.VIR_DOMAIN_PAUSED
            ? 'paused'
            : state === virDomainState.VIR_DOMAIN_SHUTOFF
              ? 'shutoff'
              : 'other';
      return {
        state: runState,
        persistent: await dom.isPersistent(),
        pausedBySnapshotOrSave: runState === 'paused' && ([VIR_DOMAIN_PAUSED_SNAPSHOT, VIR_DOMAIN_PAUSED_SAVE, VIR_DOMAIN_PAUSED_MIGRATION] as number[]).includes(reason),
        startingUp: runState === 'paused' && reason === VIR_DOMAIN_PAUSED_STARTING_UP,
      };
    });
  }

  domainXml(vm: CheckpointVm, inactive: boolean): Promise<string> {
    return this.withDomain(vm, (dom) => dom.getXMLDesc(inactive ? virDomainXMLFlags.VIR_DOMAIN_XML_INACTIVE : virDomainXMLFlags.VIR_DOMAIN_XML_MIGRATABLE));
  }

  agentAnswers(vm: CheckpointVm): Promise<boolean> {
    return this.withDomain(vm, async (dom) => {
      try {
        await dom.qemuAgentCommand('{"execute":"guest-ping"}', 2, 0);
        return true;
      } catch {
        // No agent channel, agent not running or not answering: all mean "take it without quiescing".
        return false;
      }
    });
  }

  async memoryMethod(vm: CheckpointVm): Promise<MemoryMethodChoice> {
    if (this.options.backgroundSnapshot === false) return { method: 'live-snapshot', fallbackReason: 'background snapshots are turned off for this host' };
    const conn = this.connectionFor(vm.hostId);
    const reason = await withDomain(conn, vm.uuid, (dom) => backgroundSnapshot.probe(conn, dom));
    return reason === null ? { method: 'background-snapshot' } : { method: 'live-snapshot', fallbackReason: reason };
  }

  snapshot(vm: CheckpointVm, request: SnapshotRequest): Promise<SnapshotOutcome> {
    const conn = this.connectionFor(vm.hostId);
    return withDomain(conn, vm.uuid, (dom) => {
      const { memoryFile } = request;
      if (memoryFile && request.memoryMethod === 'background-snapshot') {
        return backgroundSnapshot.take(
          conn,
          dom,
          { ...request, memoryFile },
          (domainXml) => snapshotXml({ ...request, memoryFile: undefined }, domainXml),
          () => this.libvirtSnapshot(conn, dom, request),
        );
      }
      return this.libvirtSnapshot(conn, dom, request);
    });
  }

  settleBackgroundSnapshot(vm: CheckpointVm, snapshot: { name: string; memoryFile: string }): Promise<'completed' | 'incomplete'> {
    return this.withDomain(vm, (dom) => backgroundSnapshot.settle(dom, snapshot));
  }

  /** libvirt's external snapshot: disk-only, or live with memory (libvirt pauses the guest for the end of it). */
  private async libvirtSnapshot(conn: Connection, dom: Domain, request: SnapshotRequest): Promise<SnapshotOutcome> {
    const { state } = await dom.getState();
    const running = state === virDomainState.VIR_DOMAIN_RUNNING;
    const xml = snapshotXml(request, await dom.getXMLDesc(running ? 0 : virDomainXMLFlags.VIR_DOMAIN_XML_INACTIVE));
    const F = virDomainSnapshotCreateFlags;
    let flags = F.VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA | F.VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC;
    if (request.memoryFile) flags |= F.VIR_DOMAIN_SNAPSHOT_CREATE_LIVE;
    else flags |= F.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY;
    if (request.quiesce) flags |= F.VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE;

    const pause = await PauseWatch.start(conn, dom);
    try {
      const started = performance.now();
      const snap = await mapped(() => dom.snapshotCreateXML(xml, flags), { name: request.name });
      const wallMs = performance.now() - started;
      snap.free();
      // The RESUMED event can arrive after the call returned: wait for it a little, when there was a pause.
      if (pause.suspended) await pause.untilResumed(RESUMED_EVENT_GRACE_MS);
      return { stunMs: pause.stunMs, wallMs: round(wallMs), memoryMethod: request.memoryFile ? 'live-snapshot' : null };
    } finally {
      await pause.stop();
    }
  }

  resume(vm: CheckpointVm): Promise<void> {
    return this.withDomain(vm, (dom) => dom.resume());
  }

  destroy(vm: CheckpointVm): Promise<void> {
    return this.withDomain(vm, (dom) => dom.destroy());
  }

  async define(vm: CheckpointVm, xml: string): Promise<void> {
    const dom = await mapped(() => this.connectionFor(vm.hostId).defineDomainXML(xml));
    try {
      if (dom.getUUIDString() !== vm.uuid) throw new OperationFailedError('checkpoint.define-uuid', 'The redefined domain has another UUID');
    } finally {
      dom.free();
    }
  }

  async restore(vm: CheckpointVm, memoryFile: string, xml: string): Promise<void> {
    await mapped(() => this.connectionFor(vm.hostId).restore(memoryFile, xml, virDomainSaveRestoreFlags.VIR_DOMAIN_SAVE_RUNNING), { path: memoryFile });
  }

  start(vm: CheckpointVm): Promise<void> {
    return this.withDomain(vm, (dom) => dom.create());
  }

  diskChain(vm: CheckpointVm, target: string): Promise<string[]> {
    return this.withDomain(vm, async (dom) => diskChain(await dom.getXMLDesc(0), target));
  }

  hasBlockJob(vm: CheckpointVm, target: string): Promise<boolean> {
    return this.withDomain(vm, async (dom) => (await dom.getBlockJobInfo(target)) !== null);
  }

  blockJob(vm: CheckpointVm, job: BlockJobSpec): Promise<void> {
    const { target } = job;
    return this.withDomain(
      vm,
      async (dom) => {
        switch (job.kind) {
          case 'commit':
            await dom.blockCommit(target, job.base, job.top, 0, 0);
            return this.untilGone(dom, target);
          case 'pull':
            await dom.blockRebase(target, job.base, 0, 0);
            return this.untilGone(dom, target);
          case 'active-commit':
            await dom.blockCommit(target, job.base, null, 0, virDomainBlockCommitFlags.VIR_DOMAIN_BLOCK_COMMIT_ACTIVE);
            return this.pivotWhenReady(dom, target);
          case 'copy': {
            const dest = `<disk type='file'><source file='${escapeAttr(job.dest)}'/><driver type='qcow2'/></disk>`;
            // A persistent domain's copy must be a transient job; the persistent definition is rewritten by the engine.
            await dom.blockCopy(target, dest, null, virDomainBlockCopyFlags.VIR_DOMAIN_BLOCK_COPY_TRANSIENT_JOB);
            return this.pivotWhenReady(dom, target);
          }
        }
      },
      { uuid: vm.uuid, target },
    );
  }

  readTpmState(vm: CheckpointVm, domainXml: string): Promise<TpmStateFile[] | null> {
    return readTpmState(this.connectionFor(vm.hostId), vm, domainXml);
  }

  writeTpmState(vm: CheckpointVm, domainXml: string, files: TpmStateFile[]): Promise<boolean> {
    return writeTpmState(this.connectionFor(vm.hostId), vm, domainXml, files);
  }

  private async untilGone(dom: Domain, target: string): Promise<void> {
    while ((await mapped(() => dom.getBlockJobInfo(target))) !== null) await sleep(BLOCK_JOB_POLL_MS);
  }

  /** An active commit / copy mirrors until both sides match (cur == end), then the pivot switches the disk. */
  private async pivotWhenReady(dom: Domain, target: string): Promise<void> {
    for (;;) {
      const info = await mapped(() => dom.getBlockJobInfo(target));
      if (info === null) throw new OperationFailedError('checkpoint.block-job-vanished', `The block job on ${target} ended before its pivot`);
      if (info.end > 0 && info.cur === info.end) {
        try {
          await dom.blockJobAbort(target, virDomainBlockJobAbortFlags.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT);
          return this.untilGone(dom, target);
        } catch {
          // Not in the ready phase yet (cur == end can precede the READY event by a moment): poll again.
        }
      }
      await sleep(BLOCK_JOB_POLL_MS);
    }
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function escapeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/'/g, '&apos;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/** The snapshot XML: an external overlay for each requested disk, snapshot='no' for every other disk. */
export function snapshotXml(request: SnapshotRequest, domainXml: string): string {
  const targets = new XmlNode(XmlDocument.parse(domainXml, 'domain XML').root)
    .elements('devices/disk')
    .map((d) => d.value('target/@dev'))
    .filter((t): t is string => Boolean(t));
  const disks = targets.map((t) => {
    const overlay = request.overlays.find((o) => o.target === t);
    return overlay
      ? `<disk name='${escapeAttr(t)}' snapshot='external' type='file'><driver type='qcow2'/><source file='${escapeAttr(overlay.overlay)}'/></disk>`
      : `<disk name='${escapeAttr(t)}' snapshot='no'/>`;
  });
  const memory = request.memoryFile ? `<memory snapshot='external' file='${escapeAttr(request.memoryFile)}'/>` : `<memory snapshot='no'/>`;
  return `<domainsnapshot><name>${escapeAttr(request.name)}</name>${memory}<disks>${disks.join('')}</disks></domainsnapshot>`;
}
