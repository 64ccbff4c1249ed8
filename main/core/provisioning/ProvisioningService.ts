/**
 * What the contract's provisioning methods stand on: the catalog and the osinfo database (both loaded on
 * first use), the offers of connected hosts (read once per host and kept until something on that host
 * changes: its connection, a VM of it), the best match, placement, validation with every field error, the
 * installer ISOs of the hosts, and user templates.
 */
import type { Disposable } from '../hosts/HostDriver';
import { ConflictError, InvalidInputError } from '../errors';
import type { HostOffer, HostOfferReader } from './HostOffer';
import { bestMatch, type MatchProposal } from './bestMatch';
import { describeMedia, findIso, type InstallMediaReader, type MediaInspection } from './installMedia';
import { problemsOf, searchCatalog, userTemplateFrom, type Catalog, type CatalogQuery } from './catalog';
import type { LazyOsDatabase, OsDatabase, OsEntry } from './osinfo/OsDatabase';
import { placeVm, type PlacementCandidate } from './placement';
import { placeLab, type LabHostPlan } from './labPlacement';
import { VmRequestSchema, type InstallMedia, type Purpose, type Template, type UserTemplate, type VmRequest } from './schemas';
import type { RequestFromDomain } from './requestFromDomain';
import type { UserTemplateStore } from './UserTemplateStore';
import { GiB, MiB } from './units';

/** An event source; only subscribing is needed here. */
export interface Subscribable<T> {
  on(listener: (value: T) => void): Disposable;
}

export interface ProvisioningHost {
  id: string;
  name: string;
  status: string;
  statusReason?: string;
}

export interface ProvisioningDeps {
  hosts: {
    list(): ProvisioningHost[];
    hostChanged: Subscribable<{ id: string }>;
    hostRemoved: Subscribable<string>;
  };
  /** VM changes: a started or new VM changes what its host can spare. */
  vmChanged: Subscribable<{ hostId: string }>;
  vmRemoved: Subscribable<{ hostId: string }>;
  /** The names of the VMs a host has now. */
  vmNames(hostId: string): string[];
  offers: HostOfferReader;
  /** Installer ISOs: fresh listings for the picker, and media a request names that an offer does not list. */
  media: InstallMediaReader;
  osDb: LazyOsDatabase;
  catalog: () => Promise<Catalog>;
  /** Built once the catalog is known (its ids are reserved). */
  userTemplates: (reservedIds: ReadonlySet<string>) => UserTemplateStore;
  /** The request an existing VM would be made from (its hardware; the OS from its metadata when it names one). */
  vmRequest(hostId: string, uuid: string): Promise<RequestFromDomain>;
  now: () => Date;
}

export interface FieldError {
  field: string;
  message: string;
}

export interface OsSummary {
  id: string;
  shortId: string;
  name: string;
  family?: string;
  distro?: string;
  version?: string;
  releaseDate?: string;
  eolDate?: string;
  minimum: { vcpus?: number; memoryMiB?: number; diskGiB?: number };
  recommended: { vcpus?: number; memoryMiB?: number; diskGiB?: number };
  uefiRequired: boolean;
  cloudImage: boolean;
}

/** One installer ISO of a connected host, as the wizard's picker lists it. */
export interface InstallMediaEntry {
  hostId: string;
  hostName: string;
  pool?: string;
  volume?: string;
  path: string;
  sizeBytes: number;
  osinfoId?: string;
  osName?: string;
}

export class ProvisioningService {
  private readonly offers = new Map<string, Promise<HostOffer>>();
  /**
   * ISOs found on a host (by the medium's JSON), forgotten with that host's offer. Only finds are kept: a
   * medium missing or not an ISO is asked again, so copying the file in fixes the next check.
   */
  private readonly inspections = new Map<string, Map<string, Promise<MediaInspection>>>();
  private readonly subscriptions: Disposable[];
  private catalogLoad: Promise<Catalog> | undefined;
  private store: UserTemplateStore | undefined;

  constructor(private readonly deps: ProvisioningDeps) {
    const forget = (hostId: string) => {
      this.offers.delete(hostId);
      this.inspections.delete(hostId);
    };
    this.subscriptions = [
      deps.hosts.hostChanged.on((host) => forget(host.id)),
      deps.hosts.hostRemoved.on(forget),
      deps.vmChanged.on((vm) => forget(vm.hostId)),
      deps.vmRemoved.on((vm) => forget(vm.hostId)),
    ];
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.offers.clear();
    this.inspections.clear();
  }

  /**
   * The installer ISOs of every connected host (or of one), read fresh (pools refreshed), for the wizard to
   * pick from; a host whose pools cannot be read is listed with why. A host's kept offer is dropped, so the
   * next proposal sees the same ISOs.
   */
  async installMedia(query: { hostId?: string }): Promise<{ media: InstallMediaEntry[]; unavailable: Array<{ hostId: string; hostName: string; reason: string }> }> {
    const db = await this.deps.osDb.get();
    const hosts = this.deps.hosts.list().filter((h) => query.hostId === undefined || h.id === query.hostId);
    const media: InstallMediaEntry[] = [];
    const unavailable: Array<{ hostId: string; hostName: string; reason: string }> = [];
    await Promise.all(
      hosts.map(async (host) => {
        if (host.status !== 'connected') {
          unavailable.push({ hostId: host.id, hostName: host.name, reason: `not connected (${host.statusReason ?? host.status})` });
          return;
        }
        try {
          const isos = await this.deps.media.list(host.id);
          this.offers.delete(host.id);
          this.inspections.delete(host.id);
          for (const iso of isos) {
            const osName = iso.osinfoId ? db.get(iso.osinfoId)?.name : undefined;
            media.push({ hostId: host.id, hostName: host.name, ...iso, ...(osName ? { osName } : {}) });
          }
        } catch (error) {
          unavailable.push({ hostId: host.id, hostName: host.name, reason: (error as Error).message });
        }
      }),
    );
    media.sort((a, b) => a.hostName.localeCompare(b.hostName) || a.path.localeCompare(b.path));
    return { media, unavailable };
  }

  async catalog(query: CatalogQuery) {
    const [catalog, db, user] = await Promise.all([this.loadCatalog(), this.deps.osDb.get(), this.userTemplates().then((s) => s.list())]);
    const lookup = (id: string) => db.get(id);
    const shipped = searchCatalog(catalog.templates, query, lookup, catalog.apps).map((hit) => ({ hit, user: undefined }));
    const saved = searchCatalog(user, query, lookup, catalog.apps).map((hit) => ({ hit, user: hit.template }));
    const entries = [...shipped, ...saved]
      .sort((a, b) => a.hit.template.name.localeCompare(b.hit.template.name))
      .map(({ hit, user: u }) => ({
        template: templateOnly(hit.template),
        source: u ? ('user' as const) : ('shipped' as const),
        ...(u ? { origin: u.origin, createdAt: u.createdAt } : {}),
        ...osFields(hit.os),
        size: hit.size,
      }));
    return { templates: entries, apps: [...catalog.apps.values()] };
  }

  async osList(query: { text?: string; family?: string; limit: number }): Promise<{ oses: OsSummary[]; total: number }> {
    const db = await this.deps.osDb.get();
    const words = (query.text ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    const hits: OsEntry[] = [];
    for (const os of db.all()) {
      if (query.family && os.family !== query.family && os.distro !== query.family) continue;
      const haystack = [os.name, os.distro ?? '', os.version ?? '', ...os.shortIds].join(' ').toLowerCase();
      if (!words.every((w) => haystack.includes(w))) continue;
      hits.push(os);
    }
    // Newest first, so "ubuntu" shows the current releases before the 2006 ones.
    hits.sort((a, b) => (b.releaseDate ?? '').localeCompare(a.releaseDate ?? '') || a.name.localeCompare(b.name));
    return { oses: hits.slice(0, query.limit).map((os) => summarizeOs(os, db)), total: hits.length };
  }

  /** Every field error of a draft; an empty list when it can be proposed and placed. */
  async validate(draft: { name: string; hostId?: string; request: unknown }): Promise<FieldError[]> {
    const errors: FieldError[] = [];
    const name = draft.name.trim();
    if (!name) errors.push({ field: 'name', message: 'a name is needed' });
    else if (name.length > 64) errors.push({ field: 'name', message: 'at most 64 characters' });
    else if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
      errors.push({ field: 'name', message: 'letters, digits, ".", "_" and "-", starting with a letter or digit' });
    } else if (draft.hostId && this.deps.vmNames(draft.hostId).includes(name)) {
      errors.push({ field: 'name', message: `${this.hostName(draft.hostId)} already has a VM named "${name}"` });
    }
    const parsed = VmRequestSchema.safeParse(draft.request);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) errors.push({ field: issue.path.join('.'), message: issue.message });
      return errors;
    }
    const [catalog, db] = await Promise.all([this.loadCatalog(), this.deps.osDb.get()]);
    const os = db.get(parsed.data.os.osinfoId);
    if (!os) errors.push({ field: 'os.osinfoId', message: `unknown operating system "${parsed.data.os.osinfoId}"` });
    for (const problem of problemsOf({ id: 'request', request: parsed.data }, catalog.apps, db)) {
      if (!problem.includes('unknown OS')) errors.push({ field: 'apps', message: problem.replace(/^request: /, '') });
    }
    const { installMedia } = parsed.data.os;
    if (installMedia) {
      const problem = await this.mediaProblem(installMedia, draft.hostId);
      if (problem) errors.push({ field: 'os.installMedia', message: problem });
    }
    return errors;
  }

  /**
   * Why no connected host (or not the given one) can install from the medium, or undefined when one can:
   * "not an ISO" when a host has the file but it is something else, else where it was looked for.
   */
  private async mediaProblem(media: InstallMedia, hostId: string | undefined): Promise<string | undefined> {
    const hosts = this.deps.hosts.list().filter((h) => h.status === 'connected' && (hostId === undefined || h.id === hostId));
    if (hosts.length === 0) return undefined; // placement says no host is connected
    const found = await Promise.all(
      hosts.map(async (host): Promise<MediaInspection> => {
        try {
          const offer = await this.offer(host.id);
          const iso = findIso(offer.isoVolumes, media);
          return iso ? { state: 'iso', iso } : await this.inspect(host.id, media);
        } catch (error) {
          return { state: 'missing', reason: `${host.name}: ${(error as Error).message}` };
        }
      }),
    );
    if (found.some((f) => f.state === 'iso')) return undefined;
    const notIso = found.find((f) => f.state === 'not-iso');
    if (notIso) return `${notIso.path} is not an ISO image (libvirt reads it as ${notIso.format})`;
    const reasons = found.flatMap((f) => (f.state === 'missing' ? [f.reason] : []));
    return `${describeMedia(media)} not found: ${reasons.join('; ')}`;
  }

  async propose(request: VmRequest) {
    const [db, candidates] = await Promise.all([this.deps.osDb.get(), this.candidates(request.os.installMedia)]);
    await this.checkApps(request, db);
    const connected = candidates.flatMap((c) => (c.state === 'connected' ? [c.offer] : []));
    const { proposals, refusals } = bestMatch(request, connected, db, { today: this.today() });
    const unavailable = candidates.flatMap((c) =>
      c.state === 'unavailable' ? [{ hostId: c.hostId, hostName: c.hostName, reasons: [c.reason] }] : [],
    );
    return { proposals: proposals.map(toProposal), refusals: [...refusals, ...unavailable] };
  }

  async place(request: VmRequest, options: { name?: string; overrideHostId?: string }) {
    const [db, candidates] = await Promise.all([this.deps.osDb.get(), this.candidates(request.os.installMedia)]);
    await this.checkApps(request, db);
    const outcome = placeVm(request, candidates, db, options.overrideHostId === undefined ? {} : { overrideHostId: options.overrideHostId });
    if (!outcome.placed) return { overridden: false, explanation: outcome.explanation, alternatives: [], refusals: outcome.refusals };
    const { chosen, overridden, explanation, alternatives, refusals } = outcome.placed;
    if (options.name && this.deps.vmNames(chosen.hostId).includes(options.name)) {
      throw new ConflictError('provisioning.name-taken', `${chosen.hostName} already has a VM named "${options.name}"`, {
        details: { field: 'name', hostId: chosen.hostId },
      });
    }
    return { chosen: toProposal(chosen), overridden, explanation, alternatives: alternatives.map(toProposal), refusals };
  }

  /**
   * The one host for a lab's VMs (labPlacement.ts), explained; `overrideHostId` forces one. A VM name the
   * chosen host already has is a field error (`vms.N.name`), as `place` does for one VM.
   */
  async placeLab(vms: Array<{ name: string; request: VmRequest }>, options: { overrideHostId?: string; uplink?: string }) {
    const [db, candidates] = await Promise.all([this.deps.osDb.get(), this.candidates()]);
    for (const [i, vm] of vms.entries()) {
      await this.checkApps(vm.request, db).catch((error: unknown) => {
        if (error instanceof InvalidInputError && error.details) (error.details as Record<string, unknown>).field = `vms.${i}.request.apps`;
        throw error;
      });
    }
    const outcome = placeLab(vms, candidates, db, {
      today: this.today(),
      ...(options.overrideHostId !== undefined ? { overrideHostId: options.overrideHostId } : {}),
      ...(options.uplink ? { uplink: options.uplink } : {}),
    });
    if (!outcome.placed) return { overridden: false, explanation: outcome.explanation, alternatives: [], refusals: outcome.refusals };
    const { chosen, overridden, explanation, alternatives, refusals } = outcome.placed;
    const taken = this.deps.vmNames(chosen.hostId);
    const clash = vms.findIndex((vm) => taken.includes(vm.name));
    if (clash >= 0) {
      throw new ConflictError('provisioning.name-taken', `${chosen.hostName} already has a VM named "${vms[clash]!.name}"`, {
        details: { field: `vms.${clash}.name`, hostId: chosen.hostId },
      });
    }
    return { chosen: toLabPlan(chosen), overridden, explanation, alternatives: alternatives.map(toLabPlan), refusals };
  }

  async listTemplates(): Promise<UserTemplate[]> {
    return (await this.userTemplates()).list();
  }

  async saveTemplate(
    fields: { id: string; name: string; description: string; purposes: Purpose[]; replace: boolean },
    from: { request: VmRequest } | { fromVm: { hostId: string; uuid: string }; osinfoId?: string },
  ): Promise<UserTemplate> {
    const db = await this.deps.osDb.get();
    let request: VmRequest;
    let origin: UserTemplate['origin'];
    if ('request' in from) {
      request = from.request;
      origin = { kind: 'wizard' };
    } else {
      const vm = await this.deps.vmRequest(from.fromVm.hostId, from.fromVm.uuid);
      const os = from.osinfoId ? { osinfoId: from.osinfoId, source: 'cloud-image' as const } : vm.request.os;
      if (!os) {
        throw new InvalidInputError('provisioning.os-needed', `${vm.name} does not say which OS it runs: choose one`, {
          details: { field: 'osinfoId' },
        });
      }
      request = { ...vm.request, os };
      origin = { kind: 'vm', hostId: from.fromVm.hostId, vmName: vm.name, ...(vm.notes.length > 0 ? { notes: vm.notes } : {}) };
    }
    if (!db.get(request.os.osinfoId)) {
      throw new InvalidInputError('provisioning.unknown-os', `Unknown operating system "${request.os.osinfoId}" (not in the osinfo database)`, {
        details: { field: 'os.osinfoId' },
      });
    }
    const template = userTemplateFrom(
      { id: fields.id, name: fields.name, description: fields.description || fields.name, purposes: fields.purposes },
      request,
      origin,
      this.deps.now(),
    );
    await (await this.userTemplates()).save(template, { replace: fields.replace });
    return template;
  }

  async deleteTemplate(id: string): Promise<void> {
    await (await this.userTemplates()).remove(id);
  }

  /**
   * The connected hosts with their offers (cached), and the others with why they are not candidates. With
   * install media the offer does not list (a path outside the pools, a file copied in since), the host is asked
   * once: an ISO there joins that host's offer for the match.
   */
  private async candidates(media?: InstallMedia): Promise<PlacementCandidate[]> {
    return Promise.all(
      this.deps.hosts.list().map(async (host): Promise<PlacementCandidate> => {
        if (host.status !== 'connected') {
          return { state: 'unavailable', hostId: host.id, hostName: host.name, reason: `not connected (${host.statusReason ?? host.status})` };
        }
        let offer: HostOffer;
        try {
          offer = await this.offer(host.id);
        } catch (error) {
          return { state: 'unavailable', hostId: host.id, hostName: host.name, reason: `its offer could not be read: ${(error as Error).message}` };
        }
        if (!media || findIso(offer.isoVolumes, media)) return { state: 'connected', offer };
        try {
          const found = await this.inspect(host.id, media);
          return { state: 'connected', offer: found.state === 'iso' ? { ...offer, isoVolumes: [...offer.isoVolumes, found.iso] } : offer };
        } catch (error) {
          return { state: 'unavailable', hostId: host.id, hostName: host.name, reason: `${describeMedia(media)} could not be looked for: ${(error as Error).message}` };
        }
      }),
    );
  }

  private offer(hostId: string): Promise<HostOffer> {
    let offer = this.offers.get(hostId);
    if (!offer) {
      offer = this.deps.offers.offer(hostId);
      this.offers.set(hostId, offer);
      // A failed read is not kept: the next request tries again.
      offer.catch(() => {
        if (this.offers.get(hostId) === offer) this.offers.delete(hostId);
      });
    }
    return offer;
  }

  private inspect(hostId: string, media: InstallMedia): Promise<MediaInspection> {
    let forHost = this.inspections.get(hostId);
    if (!forHost) this.inspections.set(hostId, (forHost = new Map()));
    const key = JSON.stringify(media);
    let found = forHost.get(key);
    if (!found) {
      const lookup = this.deps.media.inspect(hostId, media);
      found = lookup;
      forHost.set(key, lookup);
      const forget = () => {
        if (this.inspections.get(hostId)?.get(key) === lookup) this.inspections.get(hostId)!.delete(key);
      };
      // A failed look, or one that found no ISO, is not kept: the next request asks again.
      lookup.then((found) => found.state !== 'iso' && forget(), forget);
    }
    return found;
  }

  private async checkApps(request: VmRequest, db: OsDatabase): Promise<void> {
    const catalog = await this.loadCatalog();
    if (!db.get(request.os.osinfoId)) return; // bestMatch reports the unknown OS at its field
    const problems = problemsOf({ id: 'request', request }, catalog.apps, db).map((p) => p.replace(/^request: /, ''));
    if (problems.length > 0) throw new InvalidInputError('provisioning.bad-apps', problems.join('; '), { details: { field: 'apps', problems } });
  }

  private loadCatalog(): Promise<Catalog> {
    this.catalogLoad ??= this.deps.catalog().catch((error: unknown) => {
      this.catalogLoad = undefined;
      throw error;
    });
    return this.catalogLoad;
  }

  private async userTemplates(): Promise<UserTemplateStore> {
    if (!this.store) {
      const catalog = await this.loadCatalog();
      this.store ??= this.deps.userTemplates(new Set(catalog.templates.map((t) => t.id)));
    }
    return this.store;
  }

  private hostName(hostId: string): string {
    return this.deps.hosts.list().find((h) => h.id === hostId)?.name ?? hostId;
  }

  private today(): string {
    return this.deps.now().toISOString().slice(0, 10);
  }
}

function templateOnly(t: Template): Template {
  return { id: t.id, name: t.name, description: t.description, purposes: t.purposes, request: t.request };
}

function osFields(os: OsEntry | undefined) {
  if (!os) return {};
  return { osName: os.name, ...(os.family ? { osFamily: os.family } : {}), ...(os.distro ? { distro: os.distro } : {}) };
}

function summarizeOs(os: OsEntry, db: OsDatabase): OsSummary {
  const resources = (kind: 'minimum' | 'recommended') => {
    const r = db.resources(os, 'x86_64', kind);
    return {
      ...(r.cpus !== undefined ? { vcpus: r.cpus } : {}),
      ...(r.ramBytes !== undefined ? { memoryMiB: Math.ceil(r.ramBytes / MiB) } : {}),
      ...(r.storageBytes !== undefined ? { diskGiB: Math.ceil(r.storageBytes / GiB) } : {}),
    };
  };
  return {
    id: os.id,
    shortId: os.shortId,
    name: os.name,
    ...(os.family ? { family: os.family } : {}),
    ...(os.distro ? { distro: os.distro } : {}),
    ...(os.version ? { version: os.version } : {}),
    ...(os.releaseDate ? { releaseDate: os.releaseDate } : {}),
    ...(os.eolDate ? { eolDate: os.eolDate } : {}),
    minimum: resources('minimum'),
    recommended: resources('recommended'),
    uefiRequired: db.firmwareNeeds(os, 'x86_64').uefiRequired,
    cloudImage: os.images.some((i) => i.cloudInit),
  };
}

function toLabPlan(plan: LabHostPlan) {
  return {
    hostId: plan.hostId,
    hostName: plan.hostName,
    vms: plan.vms.map((vm) => ({ name: vm.name, proposal: toProposal(vm.proposal) })),
    distance: plan.distance,
    memoryLeftBytes: plan.memoryLeftBytes,
  };
}

function toProposal(p: MatchProposal) {
  return {
    hostId: p.hostId,
    hostName: p.hostName,
    config: p.config,
    osName: p.os.name,
    domainType: p.domainType,
    ...(p.image ? { image: { pool: p.image.pool, volume: p.image.volume, format: p.image.format } } : {}),
    changes: p.changes,
    distance: p.distance,
    memoryLeftBytes: p.memoryLeftBytes,
    notes: p.notes,
  };
}
