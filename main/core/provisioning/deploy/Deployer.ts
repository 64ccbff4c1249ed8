/**
 * Deploying an accepted VmRequest on a host, as a job: create the disks in a storage pool (a linked clone or
 * full copy of the OS image, or empty), build and upload the cloud-init seed, define the domain from the
 * typed model, start it, and wait a bounded time for the guest's address (the GuestAddressWatcher goes on
 * looking after the job when the guest is slower, and announces it then). From install media (an installer
 * ISO the host stores), the system disk is empty and there is no seed (installers do not read cloud-init); as
 * virt-install does, the VM is defined on its final configuration (boots its disk, the CD-ROM drive kept and
 * ejected, the ISO kept for Windows' multi-stage setup), and started once on the installer's (the ISO
 * read-only, booted first; a reboot stops it): InstallerRebootWatch then starts it again on the final one.
 * The ISO is the user's: never created, so never removed. Everything the job creates goes on a rollback list
 * the moment it exists; a failure or a cancel at any step undoes the list in reverse order, so no volume and
 * no domain is left behind. What can be checked before anything is created is checked first
 * and refused with field errors (the request never becomes a job).
 */
import { randomUUID } from 'node:crypto';
import type { JobContext, JobRegistry, JobSnapshot } from '../../jobs/JobRegistry';
import { ConflictError, HostUnreachableError, InvalidInputError, NotFoundError, OperationFailedError, TandemError } from '../../errors';
import type { GuestAddressWatcher } from '../../guestAddresses/GuestAddressWatcher';
import type { GuestAddress } from '../../guestAddresses/guestAddressSchemas';
import { createLogger } from '../../logging';
import { cloudConfigForApps } from '../catalog';
import type { HostImage, HostIsoVolume, HostOffer, HostOfferReader } from '../HostOffer';
import { SEED_SUFFIX, describeMedia, findIso, type InstallMediaReader } from '../installMedia';
import type { OsDatabase } from '../osinfo/OsDatabase';
import { deviceSupportOf, installerMachine } from '../osinfo/osDevices';
import type { App, InstallMedia, VmRequest } from '../schemas';
import { GiB } from '../units';
import { buildSeedIso, seedFiles } from './cloudInitSeed';
import { DeployRequestSchema, type DeployReport, type DeployRequest, type DeployRequestInput } from './deploySchemas';
import type { DeployPort, NewVolume, VolumeRef } from './DeployPort';
import { buildDomainDefinition, type BootSpec, type InstallerCdrom, type VolumeDisk } from './domainDefinition';

const log = createLogger('deploy');

/**
 * Images that carry no bootloader boot a kernel + initramfs given directly (Ubuntu publishes them next to its
 * cloud images; the test bed's tiny guest is one). `{name}` in the command line becomes the VM name.
 */
export interface DirectKernelBoot {
  kernel: string;
  initrd: string;
  cmdline: string;
  /** Such guests often only have IDE drivers built in: i440fx ("pc") then. */
  machine: 'q35' | 'pc';
  /**
   * Where the serial console is logged on the host, one `<name>.serial.log` per VM: every VM this Deployer
   * deploys, installer VMs (which boot their ISO, not this kernel) included.
   */
  serialLogDir?: string;
}

export interface DeployerDeps {
  jobs: JobRegistry;
  port: DeployPort;
  offers: HostOfferReader;
  /** Looks up install media a request names that the offer does not list (a path outside the pools, a new file). */
  media: InstallMediaReader;
  osDatabase: () => Promise<OsDatabase>;
  apps: () => Promise<Map<string, App>>;
  /** Watches a started VM for its first address (and keeps watching after the job when it is slow). */
  addresses: Pick<GuestAddressWatcher, 'watch' | 'watchMs'>;
  /** Applies to every image deployed through this Deployer (set for a host setup whose images need it). */
  directKernelBoot?: DirectKernelBoot;
  /**
   * How long the job waits for the guest's first address (default 60 s) before it ends with the VM running
   * and "address not known yet"; the watch goes on and the address arrives later as an event.
   */
  addressTimeoutMs?: number;
  /** How long a rollback waits for a host that dropped to come back (default 2 min). */
  rollbackWaitMs?: number;
  /** The new domain's UUID (tests fix it to compare a preview with what a deploy defines). */
  newUuid?: () => string;
}

/** A VM the steps created and started, before its address is known. */
export interface StartedVm {
  plan: DeployPlan;
  volumes: VolumeRef[];
  stepsMs: Record<string, number>;
}

/** Objects created so far, each with its undo; undone newest first. */
export type RollbackList = Array<{ what: string; undo: () => Promise<void> }>;

export const DEPLOY_STEPS = ['system disk', 'data disks', 'seed', 'define', 'start', 'address'] as const;
export type DeployStep = (typeof DEPLOY_STEPS)[number];

/** Everything the job decided before it creates anything. */
export interface DeployPlan {
  input: DeployRequest;
  uuid: string;
  volumes: NewVolume[];
  disks: VolumeDisk[];
  /** The cloud-init seed; none when installing from an ISO (installers do not read it). */
  seed?: VolumeRef & { files: ReturnType<typeof seedFiles> };
  /**
   * The installer ISO (the user's: never created, never removed), booted from a read-only CD-ROM on the
   * first run; `keepMedia`: still in the drive once installed (Windows), else ejected.
   */
  installer?: { cdrom: InstallerCdrom; keepMedia: boolean };
  domainType: 'kvm' | 'qemu';
  boot: BootSpec;
  machine: 'q35' | 'pc';
  serialLogPath?: string;
}

export class Deployer {
  constructor(private readonly deps: DeployerDeps) {}

  /** Checks the request (field errors, nothing created), then starts the deploy job. */
  async deploy(raw: DeployRequestInput): Promise<JobSnapshot> {
    const plan = await this.plan(raw);
    const { input } = plan;
    return this.deps.jobs.start(
      { kind: 'deploy', title: `Deploy ${input.name}`, targets: [{ hostId: input.hostId, uuid: plan.uuid }] },
      (ctx) => this.run(plan, ctx) as unknown as Promise<Record<string, unknown>>,
    );
  }

  /**
   * The domain XML a deploy of this request would define, after the same checks (same field errors), with the
   * same volume and seed names; from install media, also the configuration of the installer's first run. Nothing is created or reserved: plan() only reads the host (its offer, whether
   * the name and volumes are free). The UUID is a fresh one: the deploy draws its own.
   */
  async previewXml(raw: DeployRequestInput): Promise<{ xml: string; firstBootXml?: string }> {
    const plan = await this.plan(raw);
    return { xml: definitionOf(plan), ...(plan.installer ? { firstBootXml: firstBootDefinitionOf(plan) } : {}) };
  }

  /** The checks before the job: each refusal names the field the wizard shows it at; reads the host, changes nothing. */
  async plan(raw: DeployRequestInput): Promise<DeployPlan> {
    const parsed = DeployRequestSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new InvalidInputError('deploy.invalid', `${issue.path.join('.') || 'request'}: ${issue.message}`, {
        details: { field: issue.path.join('.') },
      });
    }
    const input = parsed.data;
    const { request, hostId, name } = input;
    const db = await this.deps.osDatabase();
    const os = db.get(request.os.osinfoId);
    if (!os) {
      throw new InvalidInputError('deploy.unknown-os', `Unknown operating system "${request.os.osinfoId}" (not in the osinfo database)`, {
        details: { field: 'request.os.osinfoId' },
      });
    }
    const offer = await this.deps.offers.offer(hostId);
    const hw = request.hardware;
    if (!offer.guestArches.includes(hw.arch)) {
      throw new InvalidInputError('deploy.arch', `${offer.hostName} cannot run ${hw.arch} guests`, { details: { field: 'request.hardware.arch' } });
    }
    if (hw.firmware === 'uefi' && !offer.firmware.uefi) fieldError('deploy.no-uefi', `${offer.hostName} has no UEFI firmware`, 'request.hardware.firmware');
    if (hw.secureBoot && (hw.firmware !== 'uefi' || !offer.firmware.secureBoot)) {
      fieldError('deploy.no-secure-boot', `Secure Boot needs UEFI firmware with a Secure Boot build on ${offer.hostName}`, 'request.hardware.secureBoot');
    }
    if (hw.tpm && !offer.tpmEmulator) fieldError('deploy.no-tpm', `${offer.hostName} has no TPM emulator (swtpm)`, 'request.hardware.tpm');
    // No graphics listed means the host's domain capabilities do not say (libvirt's test driver): the same rule
    // as the best match (bestMatch.ts), so a proposal it calls feasible is never refused here.
    if (hw.graphics !== 'none' && offer.graphics.length > 0 && !offer.graphics.includes(hw.graphics)) {
      fieldError('deploy.graphics', `${offer.hostName} offers no ${hw.graphics} graphics`, 'request.hardware.graphics');
    }
    hw.nics.forEach((nic, i) => {
      if (!offer.networks.some((n) => n.name === nic.network)) {
        fieldError('deploy.no-network', `${offer.hostName} has no network "${nic.network}"`, `request.hardware.nics.${i}.network`);
      }
    });

    if (await this.deps.port.domainExists(hostId, name)) {
      throw new ConflictError('deploy.name-taken', `${offer.hostName} already has a VM named "${name}"`, { details: { field: 'name' } });
    }

    const image = request.os.source === 'cloud-image' ? imageFor(offer, request, db) : undefined;
    const installer = request.os.source === 'install-media' ? await this.installerOf(input, offer, db) : undefined;
    const poolOf = (wanted: string | undefined, field: string): string => {
      const name = wanted ?? input.storagePool ?? image?.pool ?? roomiest(offer);
      const pool = offer.pools.find((p) => p.name === name);
      if (!pool) fieldError('deploy.no-pool', `${offer.hostName} has no storage pool "${name}"`, field);
      if (!pool.active) fieldError('deploy.pool-inactive', `Storage pool "${name}" on ${offer.hostName} is not active`, field);
      return name;
    };

    const volumes: NewVolume[] = [];
    const disks: VolumeDisk[] = [];
    hw.disks.forEach((disk, i) => {
      const field = `request.hardware.disks.${i}`;
      const pool = poolOf(disk.pool, `${field}.pool`);
      let capacityBytes = disk.sizeGiB * GiB;
      const volume: NewVolume = { pool, volume: `${name}-disk${i}.qcow2`, capacityBytes, format: 'qcow2' };
      if (i === 0 && image) {
        if (image.virtualSizeBytes !== undefined && image.virtualSizeBytes > capacityBytes) {
          // The image's file system fills its virtual size: the system disk can't be smaller.
          capacityBytes = image.virtualSizeBytes;
          volume.capacityBytes = capacityBytes;
        }
        volume.from = { mode: input.systemDisk, base: { pool: image.pool, volume: image.volume } };
      }
      volumes.push(volume);
      disks.push({ pool, volume: volume.volume, format: 'qcow2', bus: disk.bus });
    });
    const uuid = (this.deps.newUuid ?? randomUUID)();
    const seed = installer ? undefined : { pool: poolOf(undefined, 'storagePool'), volume: `${name}${SEED_SUFFIX}` };
    for (const ref of [...volumes, ...(seed ? [seed] : [])]) {
      if (await this.deps.port.volumeExists(hostId, ref)) {
        throw new ConflictError('deploy.volume-taken', `Storage pool "${ref.pool}" already has a volume "${ref.volume}": choose another VM name`, {
          details: { field: 'name' },
        });
      }
    }
    const kernelBoot = this.deps.directKernelBoot;
    // The request's chipset first (a template keeps its VM's: the OS on its disk drives that one), else the one
    // the installer's OS supports, else the kernel setup's, else q35.
    const machine = hw.machine ?? installer?.machine ?? kernelBoot?.machine ?? 'q35';
    // Judged where the best match judges it: a chipset the request names, or its installer's OS needs.
    const chipsets = offer.chipsets?.[hw.arch];
    if ((hw.machine ?? installer) && chipsets && !chipsets.includes(machine)) {
      fieldError('deploy.machine', `${offer.hostName} has no ${machine === 'pc' ? 'i440fx ("pc")' : 'q35'} machine for ${hw.arch}`, 'request.hardware.machine');
    }
    checkIdeSlots(hw, machine);
    if (hw.secureBoot && machine === 'pc') {
      fieldError('deploy.secure-boot-machine', 'Secure Boot needs the q35 machine (OVMF builds it only for q35); this VM is i440fx', 'request.hardware.machine');
    }
    const common = {
      input,
      uuid,
      volumes,
      disks,
      // The offer has KVM only where the host's probe started a KVM guest (hosts/KvmProbe.ts).
      domainType: offer.kvmArches.includes(hw.arch) ? ('kvm' as const) : ('qemu' as const),
      ...(kernelBoot?.serialLogDir ? { serialLogPath: `${kernelBoot.serialLogDir}/${name}.serial.log` } : {}),
    };
    if (installer) {
      // Defined to boot its disk; the first run boots the ISO (firstBootDefinitionOf), on the machine type its OS has drivers for.
      return { ...common, installer: { cdrom: installer.cdrom, keepMedia: installer.keepMedia }, boot: { kind: 'disk' }, machine };
    }
    const files = seedFiles({
      vmName: name,
      instanceId: uuid,
      ...(input.user ? { user: input.user } : {}),
      ...(input.userCloudConfig ? { userCloudConfig: input.userCloudConfig } : {}),
      apps: cloudConfigForApps(request.apps, await this.deps.apps()),
    });
    return {
      ...common,
      seed: { ...seed!, files },
      boot: kernelBoot
        ? { kind: 'kernel', kernel: kernelBoot.kernel, initrd: kernelBoot.initrd, cmdline: kernelBoot.cmdline.replaceAll('{name}', name) }
        : { kind: 'disk' },
      machine,
    };
  }

  /**
   * The installer ISO of an install-media request, looked up on the host (field errors when it is missing or
   * not an ISO), and the machine type its OS installs on. Refuses what only a seed could carry: installers
   * do not read cloud-init, so an account, user-data or apps would silently not happen.
   */
  private async installerOf(input: DeployRequest, offer: HostOffer, db: OsDatabase): Promise<{ cdrom: InstallerCdrom; machine: 'q35' | 'pc'; keepMedia: boolean }> {
    const { request, hostId } = input;
    const noSeed = 'an installer ISO does not read cloud-init';
    if (input.user) fieldError('deploy.install-media-no-seed', `${noSeed}: create the account in the installer`, 'user');
    if (input.userCloudConfig) fieldError('deploy.install-media-no-seed', `${noSeed}: the user-data would not be applied`, 'userCloudConfig');
    if (request.apps.length > 0) {
      fieldError('deploy.install-media-no-seed', `${noSeed}: install ${request.apps.join(', ')} from the installed system`, 'request.apps');
    }
    const media = request.os.installMedia ?? installerImageOf(offer, request, db);
    const field = 'request.os.installMedia';
    let iso: HostIsoVolume | undefined = findIso(offer.isoVolumes, media);
    if (!iso) {
      // Not among the pools' ISOs the offer lists: a path outside any pool, a file just copied, or a mistake.
      const found = await this.deps.media.inspect(hostId, media).catch((error: unknown) => {
        // A refusal about the medium's place (a stopped pool over its folder) belongs at the medium's field.
        if (error instanceof ConflictError) throw new ConflictError(error.code, error.message, { details: { ...error.details, field }, cause: error });
        throw error;
      });
      if (found.state === 'missing') {
        throw new NotFoundError('deploy.install-media-missing', `${describeMedia(media)} not found: ${found.reason}`, { details: { field } });
      }
      if (found.state === 'not-iso') {
        fieldError('deploy.install-media-not-iso', `${found.path} is not an ISO image (libvirt reads it as ${found.format})`, field);
      }
      iso = found.iso;
    }
    const cdrom: InstallerCdrom = media.kind === 'volume' ? { pool: media.pool, volume: media.volume } : { path: iso.path };
    const os = db.get(request.os.osinfoId)!;
    // virt-install keeps Windows' media in the drive: its setup goes on from the disk and reads the ISO again.
    const keepMedia = ['winnt', 'win9x', 'win16'].includes(os.family ?? '');
    return { cdrom, machine: installerMachine(deviceSupportOf(db, os)), keepMedia };
  }

  private async run(plan: DeployPlan, ctx: JobContext): Promise<DeployReport> {
    const { name } = plan.input;
    const rollback: RollbackList = [];
    const report = (label: DeployStep, phase: string, step: number) =>
      ctx.report({ phase, fraction: step / DEPLOY_STEPS.length, figures: { step: label, stepIndex: step + 1, steps: DEPLOY_STEPS.length } });
    try {
      const result = await this.runSteps(plan, ctx.signal, rollback, report);
      ctx.report({ phase: 'running', fraction: 1, figures: { step: 'done', stepIndex: DEPLOY_STEPS.length, steps: DEPLOY_STEPS.length } });
      return result;
    } catch (error) {
      ctx.report({ phase: 'removing what was created', figures: { undo: rollback.length } });
      await this.rollBack(rollback, error, name, ctx.signal);
      throw error;
    }
  }

  /**
   * Undoes `rollback` after `error`; throws what the user must hear: what could not be removed, or that a
   * cancel left nothing. Returns when the original error stands as it is.
   */
  async rollBack(rollback: RollbackList, error: unknown, name: string, signal: AbortSignal): Promise<void> {
    const left = await undo(rollback, this.deps.rollbackWaitMs ?? 120_000);
    if (left.length > 0) {
      // Said in the error too: the user has to know what to clean up by hand.
      throw new OperationFailedError('deploy.rollback-incomplete', `Deploying ${name} failed (${reason(error)}) and these could not be removed: ${left.join('; ')}`, {
        cause: error,
        details: { left },
      });
    }
    if (signal.aborted) {
      throw new OperationFailedError('deploy.cancelled', `Deploy of ${name} cancelled: nothing of it is left on the host`, {
        details: { removed: rollback.map((r) => r.what) },
      });
    }
  }

  /**
   * The steps of one VM: every object goes on `rollback` the moment it exists, and nothing is undone here
   * (a lab undoes all its VMs and its network together).
   */
  async runSteps(
    plan: DeployPlan,
    signal: AbortSignal,
    rollback: RollbackList,
    report: (label: DeployStep, phase: string, stepIndex: number) => void,
  ): Promise<DeployReport> {
    const started = await this.createAndStart(plan, signal, rollback, report);
    report('address', 'waiting for the guest address', DEPLOY_STEPS.indexOf('address'));
    const result = await this.awaitAddress(started, signal);
    // A cancel that came during the last step still wins: the user asked for nothing to be left.
    signal.throwIfAborted();
    return result;
  }

  /** Every step but the address: disks, seed, definition, start (a lab starts all its VMs, then waits once). */
  async createAndStart(
    plan: DeployPlan,
    signal: AbortSignal,
    rollback: RollbackList,
    report: (label: DeployStep, phase: string, stepIndex: number) => void,
  ): Promise<StartedVm> {
    const { port } = this.deps;
    const { hostId, name } = plan.input;
    const stepsMs: Record<string, number> = {};
    let step = 0;
    const stepDone = async <T>(label: DeployStep, phase: string, work: () => Promise<T>): Promise<T> => {
      signal.throwIfAborted();
      report(label, phase, step);
      const started = performance.now();
      const result = await work();
      stepsMs[label] = Math.round(performance.now() - started);
      step++;
      return result;
    };
    const created: VolumeRef[] = [];
    /**
     * Runs a call that creates `what`. When the host drops during the call, the object may exist (the request
     * reached the daemon, the reply did not): it goes on the rollback list anyway, and its undo accepts that it
     * is not there. A refusal by libvirt means it was not created.
     */
    const creating = async <T>(what: string, call: () => Promise<T>, undoIt: (result: T | undefined) => Promise<void>): Promise<T> => {
      try {
        const result = await call();
        rollback.push({ what, undo: () => undoIt(result) });
        return result;
      } catch (error) {
        if (error instanceof HostUnreachableError) rollback.push({ what: `${what} (if the host created it)`, undo: () => ignoreNotFound(() => undoIt(undefined)) });
        throw error;
      }
    };
    const createVolume = async (volume: NewVolume) => {
      await creating(`volume ${volume.pool}/${volume.volume}`, () => port.createVolume(hostId, volume), () => port.deleteVolume(hostId, volume));
      created.push({ pool: volume.pool, volume: volume.volume });
    };
    const [system, ...data] = plan.volumes;
    await stepDone('system disk', system!.from ? `${system!.from.mode === 'linked-clone' ? 'cloning' : 'copying'} the system disk` : 'creating the system disk', () =>
      createVolume(system!),
    );
    await stepDone('data disks', data.length > 0 ? `creating ${data.length} data disk(s)` : 'no data disks', async () => {
      for (const volume of data) {
        signal.throwIfAborted();
        await createVolume(volume);
      }
    });
    const { seed } = plan;
    await stepDone('seed', seed ? 'writing the cloud-init seed' : 'no seed: the installer does not read cloud-init', async () => {
      if (!seed) return;
      const iso = await buildSeedIso(seed.files);
      signal.throwIfAborted();
      await createVolume({ pool: seed.pool, volume: seed.volume, capacityBytes: iso.length, format: 'raw' });
      await port.uploadVolume(hostId, seed, iso);
    });
    const definition = definitionOf(plan);
    await stepDone('define', 'defining the VM', () =>
      creating(`VM ${name}`, () => port.defineDomain(hostId, definition), () => port.undefineDomain(hostId, plan.uuid)),
    );
    const firstBoot = plan.installer ? firstBootDefinitionOf(plan) : undefined;
    await stepDone('start', firstBoot ? 'starting the installer from the CD-ROM' : 'starting the VM', () =>
      creating(
        `running VM ${name}`,
        () => (firstBoot ? port.startFirstBoot(hostId, firstBoot) : port.startDomain(hostId, plan.uuid)),
        () => port.destroyDomain(hostId, plan.uuid),
      ),
    );
    return { plan, volumes: created, stepsMs };
  }

  /**
   * The address step: waits up to `addressTimeoutMs` for the watch's first addresses. Without them the VM is
   * reported running with "not known yet" and the watch goes on (GuestAddressWatcher.found). A cancel stops
   * the wait (and the watch: the VM is about to be removed).
   */
  async awaitAddress(started: StartedVm, signal: AbortSignal): Promise<DeployReport> {
    const { plan } = started;
    const { hostId, name } = plan.input;
    const begun = performance.now();
    const base = { hostId, name, uuid: plan.uuid, volumes: started.volumes };
    const done = (address: Pick<DeployReport, 'address' | 'addressNote' | 'addresses'>): DeployReport => ({
      ...base,
      ...address,
      stepsMs: { ...started.stepsMs, address: Math.round(performance.now() - begun) },
    });
    signal.throwIfAborted();
    if (plan.input.request.hardware.nics.length === 0) return done({ address: null, addressNote: 'The VM has no network interface', addresses: [] });
    if (plan.input.request.os.source === 'install-media') {
      // An installer takes no address the job could wait for in reasonable time (the user installs first):
      // the watch alone goes on, for its own bounded time (an install can outlast it: say so).
      this.deps.addresses.watch(hostId, plan.uuid);
      const minutes = Math.max(1, Math.round(this.deps.addresses.watchMs / 60_000));
      return done({
        address: null,
        addressNote: `The installer is running: an address the VM takes within ${minutes} min (the installer's DHCP lease, say) shows when it comes`,
        addresses: [],
      });
    }
    const timeoutMs = this.deps.addressTimeoutMs ?? 60_000;
    const watch = this.deps.addresses.watch(hostId, plan.uuid);
    let addresses: GuestAddress[] | undefined;
    try {
      addresses = await within(watch.first, timeoutMs, signal);
    } catch (error) {
      watch.stop();
      throw error;
    }
    const first = addresses?.find((a) => a.family === 'ipv4') ?? addresses?.[0];
    if (first) {
      return done({ address: first.address, addressNote: first.source === 'lease' ? "from the network's DHCP lease" : 'from the guest agent', addresses: addresses! });
    }
    const waited = timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`;
    return done({
      address: null,
      addressNote:
        addresses === undefined
          ? `Not known yet after ${waited} (no DHCP lease, no guest agent answer): Tandem keeps looking and shows it when it appears`
          : 'Not known: the guest took no DHCP lease and no guest agent answered while Tandem looked',
      addresses: [],
    });
  }
}

function fieldError(code: string, message: string, field: string): never {
  throw new InvalidInputError(code, message, { details: { field } });
}

/** The OS image for the request on this host: the exact OS (by osinfo id), the arch, a cloud image. */
function imageFor(offer: HostOffer, request: VmRequest, db: OsDatabase): HostImage {
  const wanted = db.get(request.os.osinfoId)!;
  const image = offer.images
    .filter((i) => i.kind === 'cloud-image' && i.arch === request.hardware.arch && db.get(i.osinfoId)?.id === wanted.id)
    .sort((a, b) => Number(b.cloudInit) - Number(a.cloudInit))[0];
  if (!image) {
    throw new NotFoundError('deploy.no-image', `${offer.hostName} has no ${wanted.name} ${request.hardware.arch} cloud image in its storage pools`, {
      details: { field: 'request.os.osinfoId' },
    });
  }
  return image;
}

/** The installer ISO of the request's OS the host's pools hold (identified by file name), when the request names none. */
function installerImageOf(offer: HostOffer, request: VmRequest, db: OsDatabase): InstallMedia {
  const wanted = db.get(request.os.osinfoId)!;
  const image = offer.images.find((i) => i.kind === 'install-media' && i.arch === request.hardware.arch && db.get(i.osinfoId)?.id === wanted.id);
  if (!image) {
    throw new NotFoundError('deploy.no-install-media', `${offer.hostName} has no ${wanted.name} installer ISO in its storage pools: choose an ISO`, {
      details: { field: 'request.os.installMedia' },
    });
  }
  return { kind: 'volume', pool: image.pool, volume: image.volume };
}

/**
 * IDE exists on i440fx only, with four slots (two channels, two units), the CD-ROM (installer or seed) taking
 * one: refused at the disk's field before libvirt refuses the definition.
 */
function checkIdeSlots(hw: VmRequest['hardware'], machine: 'q35' | 'pc'): void {
  const ide = hw.disks.flatMap((disk, i) => (disk.bus === 'ide' ? [i] : []));
  if (ide.length === 0) return;
  const field = (i: number) => `request.hardware.disks.${i}.bus`;
  if (machine === 'q35') fieldError('deploy.ide-on-q35', 'IDE disks need the i440fx machine and this VM runs on q35 (no IDE controller): use SATA', field(ide[0]!));
  if (ide.length > 3) fieldError('deploy.ide-slots', 'i440fx has 4 IDE slots and the CD-ROM takes one: at most 3 IDE disks', field(ide[3]!));
}

function roomiest(offer: HostOffer): string {
  const pool = offer.pools.filter((p) => p.active).sort((a, b) => b.freeBytes - a.freeBytes)[0];
  if (!pool) fieldError('deploy.no-pool', `${offer.hostName} has no active storage pool`, 'storagePool');
  return pool.name;
}

/**
 * Undoes in reverse order; returns what could not be undone (each failure logged with its reason). A host
 * that dropped is waited for (the host manager reconnects it) up to `waitMs`, so a daemon restart midway
 * still ends with nothing left.
 */
async function undo(rollback: Array<{ what: string; undo: () => Promise<void> }>, waitMs: number): Promise<string[]> {
  const left: string[] = [];
  const deadline = Date.now() + waitMs;
  for (const entry of [...rollback].reverse()) {
    for (;;) {
      try {
        await entry.undo();
        break;
      } catch (error) {
        if (error instanceof HostUnreachableError && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 500));
          continue;
        }
        log.error(`deploy rollback: could not remove ${entry.what}`, error);
        left.push(`${entry.what} (${reason(error)})`);
        break;
      }
    }
  }
  return left;
}

async function ignoreNotFound(call: () => Promise<void>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
}

function reason(error: unknown): string {
  return error instanceof TandemError || error instanceof Error ? error.message : String(error);
}

/** `work`'s value, or undefined after `ms`; rejects on abort. Its timer and listener go when it settles. */
function within<T>(work: Promise<T>, ms: number, signal: AbortSignal): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const settle = (finish: () => void) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      finish();
    };
    const timer = setTimeout(() => settle(() => resolve(undefined)), ms);
    const onAbort = () => settle(() => reject(signal.reason as Error));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => settle(() => resolve(value)),
      (error: unknown) => settle(() => reject(error as Error)),
    );
  });
}

/**
 * The domain XML of a plan: the one place both the deploy job and the preview build it. From install media,
 * the final configuration, marked for InstallerRebootWatch: it boots the disk, the ISO ejected (or kept).
 */
function definitionOf(plan: DeployPlan): string {
  const { installer } = plan;
  return buildDomainDefinition({
    ...commonDefinition(plan),
    ...(plan.seed ? { seed: plan.seed } : {}),
    ...(installer ? { installMedia: installer.keepMedia ? installer.cdrom : 'ejected', installerRestart: true } : {}),
    boot: plan.boot,
  }).toString();
}

/**
 * The installer's first run (virt-install's "install" configuration): the ISO in the drive, booted first, and
 * a reboot stops the VM instead of booting the installer again. Only its live configuration: the definition
 * stays definitionOf's.
 */
function firstBootDefinitionOf(plan: DeployPlan): string {
  return buildDomainDefinition({ ...commonDefinition(plan), installMedia: plan.installer!.cdrom, boot: { kind: 'cdrom' }, onReboot: 'destroy' }).toString();
}

function commonDefinition(plan: DeployPlan) {
  return {
    name: plan.input.name,
    uuid: plan.uuid,
    domainType: plan.domainType,
    machine: plan.machine,
    hardware: plan.input.request.hardware,
    disks: plan.disks,
    ...(plan.serialLogPath ? { serialLogPath: plan.serialLogPath } : {}),
  };
}
