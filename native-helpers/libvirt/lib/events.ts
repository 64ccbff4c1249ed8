/**
 * Domain events adapted by src/domain_events_extra.cc, part of the DomainEvent union (types.ts).
 *
 * Structured payloads (job-completed `stats`, tunable `params`, graphics addresses and `subject`) are
 * copied on libvirt's event thread and reach JS as flat fields named by paths (`stats/downtime`,
 * `local/node`, `subject/0/type`): native events carry scalar fields only. foldDomainEventPaths rebuilds
 * the objects, with TypedParamsToObject's conventions (libvirt's field names as keys, a repeated field as
 * an array). subscribeDomainEvents applies it; a caller of the low-level Connection.domainEventRegister
 * applies it to each event itself.
 */
import type { DomainEvent } from './types';
import type { TypedParams } from './stats';

interface EventBase {
  name: string;
  uuid: string;
  /** The running domain's id, -1 when inactive. */
  id: number;
}

/** One end of a graphics connection (virDomainEventGraphicsAddress). */
export interface GraphicsAddress {
  /** virDomainEventGraphicsAddressType: IPv4, IPv6, UNIX */
  family: number;
  node: string;
  service: string;
}

export type ExtraDomainEvent =
  | (EventBase & {
      event: 'graphics';
      /** virDomainEventGraphicsPhase: connect, initialize, disconnect */
      phase: number;
      local: GraphicsAddress;
      remote: GraphicsAddress;
      authScheme: string;
      /** The authenticated subject's identities (e.g. x509dname, saslUsername). */
      subject: Array<{ type: string; name: string }>;
    })
  /** Statistics of the finished job, as getJobStats(COMPLETED) gives them (time_elapsed, downtime, data_total, ...). */
  | (EventBase & { event: 'job-completed'; stats: TypedParams })
  /** The changed tunables by libvirt's names (cputune.vcpupin0, blkdeviotune.total_bytes_sec, ...). */
  | (EventBase & { event: 'tunable'; params: TypedParams })
  /** VIR_DOMAIN_EVENT_ID_BLOCK_JOB: the older block job event, naming the disk by its source path. */
  | (EventBase & { event: 'block-job-path'; path: string; type: number; status: number })
  | (EventBase & { event: 'device-removal-failed'; devAlias: string })
  /** threshold and excess in bytes */
  | (EventBase & { event: 'block-threshold'; dev: string; path: string; threshold: number; excess: number })
  /** type: virDomainMetadataType; nsuri: the element's namespace ("" for title / description) */
  | (EventBase & { event: 'metadata-change'; type: number; nsuri: string })
  | (EventBase & { event: 'pm-wakeup' | 'pm-suspend' | 'pm-suspend-disk'; reason: number })
  /** actual: the new balloon size, KiB */
  | (EventBase & { event: 'balloon-change'; actual: number })
  /** reason: virDomainEventTrayChangeReason */
  | (EventBase & { event: 'tray-change'; devAlias: string; reason: number })
  | (EventBase & { event: 'control-error' })
  /** VIR_DOMAIN_EVENT_ID_IO_ERROR: the older I/O error event, without the reason. */
  | (EventBase & { event: 'io-error-v1'; srcPath: string; devAlias: string; action: number })
  /** reason: virConnectDomainEventDiskChangeReason */
  | (EventBase & { event: 'disk-change'; oldSrcPath: string; newSrcPath: string; devAlias: string; reason: number })
  /** size: KiB */
  | (EventBase & { event: 'memory-device-size-change'; alias: string; size: number });

/** The container each structured event always has, even when libvirt sent nothing for it. */
const EMPTY_CONTAINER: Record<string, () => [string, object]> = {
  'job-completed': () => ['stats', {}],
  tunable: () => ['params', {}],
  graphics: () => ['subject', []],
};

const isIndex = (segment: string) => /^\d+$/.test(segment);

/** The object or array at `segment` of `parent`, created (an array if `next` is an index) if absent. */
function container(parent: Record<string, unknown>, segment: string, next: string): Record<string, unknown> {
  const existing = parent[segment];
  if (typeof existing === 'object' && existing !== null) return existing as Record<string, unknown>;
  const created = isIndex(next) ? [] : {};
  parent[segment] = created;
  return created as Record<string, unknown>;
}

/**
 * Turns the path fields of a native event (`stats/downtime`, `subject/0/type`) into nested objects and
 * arrays (`stats.downtime`, `subject[0].type`); other fields and other events are returned unchanged.
 */
export function foldDomainEventPaths(raw: DomainEvent): DomainEvent {
  const source = raw as unknown as Record<string, unknown>;
  const makeEmpty = EMPTY_CONTAINER[String(source.event)];
  if (!makeEmpty && !Object.keys(source).some((key) => key.includes('/'))) return raw;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if (!key.includes('/')) {
      out[key] = value;
      continue;
    }
    const segments = key.split('/');
    let target = out;
    for (let i = 0; i + 1 < segments.length; i++) target = container(target, segments[i]!, segments[i + 1]!);
    target[segments.at(-1)!] = value;
  }
  const empty = makeEmpty?.();
  if (empty && !(empty[0] in out)) out[empty[0]] = empty[1];
  return out as unknown as DomainEvent;
}

declare module './types' {
  interface Domain {
    /**
     * virDomainSetMetadata. type: virDomainMetadataType; metadata null removes it; key and uri (the
     * element's namespace prefix and URI) only for VIR_DOMAIN_METADATA_ELEMENT. flags: virDomainModificationImpact.
     */
    setMetadata(type: number, metadata: string | null, key?: string | null, uri?: string | null, flags?: number): Promise<void>;
    /** virDomainGetMetadata: the title / description text, or the element's XML. VIR_ERR_NO_DOMAIN_METADATA when unset. */
    getMetadata(type: number, uri?: string | null, flags?: number): Promise<string>;
    /**
     * virDomainSetBlockThreshold: one block-threshold event when the guest writes past `thresholdBytes` of
     * `dev` (a disk target such as "vda", or "vda[1]" for a backing chain element); 0 disarms it.
     */
    setBlockThreshold(dev: string, thresholdBytes: number, flags?: number): Promise<void>;
  }
}
