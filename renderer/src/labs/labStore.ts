/**
 * "Deploy a lab" (LabDialog is its view): a new private network and several VMs from catalog templates on
 * it, as one job. Steps: the lab (name, which names its network, subnet, mode) -> the VMs (template and name
 * each, "template x N", an optional NAT gateway, one account for all) -> review (the one host for all of
 * them, `provisioning.placeLab`, explained, with an override; the subnet and name checked against that
 * host's networks with the rules main applies) -> deploy (`provisioning.deployLab`, one job followed in the
 * jobs store). Only the latest check is used; refusals land at their field (`details.field`).
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ContractClient, MethodInput } from '../../../preload/contract';
import type { CatalogEntry, VmRequest } from '../../../preload/api/provisioning';
import { DomainNameSchema, SeedUserNameSchema, SshKeySchema, type LabPlacement } from '../../../preload/api/labs';
import { networkProblems, NetworkNameSchema, type NetworkMode } from '../../../preload/api/networks';
import { fieldErrorsOf } from '../provisioning/wizardStore';
import { selectHostNetworks, type NetworksStore } from '../stores/networksStore';

export const LAB_STEPS = ['lab', 'vms', 'review', 'deploy'] as const;
export type LabStep = (typeof LAB_STEPS)[number];
export const LAB_STEP_LABELS: Record<LabStep, string> = { lab: 'Lab network', vms: 'VMs', review: 'Review', deploy: 'Deploy' };

/** The most VMs one lab takes (`provisioning.deployLab`). */
export const MAX_LAB_VMS = 16;

export interface LabVmDraft {
  name: string;
  templateId: string;
}

export interface LabDraft {
  /** The lab's name; its network is named after it. */
  name: string;
  subnet: string;
  mode: NetworkMode;
  /** NAT and routed: the host interface the lab's traffic leaves by; empty: whichever the host's routes choose. */
  forwardDevice: string;
  vms: LabVmDraft[];
  /** One VM that also gets a NIC on an existing network (e.g. libvirt's NAT "default"). */
  gateway: { enabled: boolean; vm: string; uplink: string };
  /** One account, created in every VM (key login only); empty: the images' default users. */
  account: { username: string; sshKey: string };
}

export interface LabReview {
  checking: boolean;
  placement?: LabPlacement;
  overrideHostId?: string;
  error?: string;
}

export interface LabDeployState {
  starting: boolean;
  jobId?: string;
  error?: string;
  /** The job's last working step ("VM 2 of 3 (web-2): writing the cloud-init seed"): where a failure happened. */
  lastStep?: string;
}

export interface LabState {
  open: boolean;
  step: LabStep;
  templates: CatalogEntry[];
  catalogError?: string;
  draft: LabDraft;
  /** By field: name, subnet, mode, forwardDevice, vms, vms.N.name, vms.N.templateId, vms.N (the rest of a VM), gateway.vm, gateway.uplink, account.username, account.sshKey, hostId. */
  errors: Record<string, string>;
  review: LabReview;
  deploy: LabDeployState;

  /** Opens the dialog; `hostId` puts the lab on that host (an override, which the review may refuse). */
  openLab(hostId?: string): void;
  close(): void;
  setLab(patch: Partial<Pick<LabDraft, 'name' | 'subnet' | 'mode' | 'forwardDevice'>>): void;
  /** Adds `count` VMs of a template, named `<lab>-<n>`. */
  addVms(templateId: string, count: number): void;
  updateVm(index: number, patch: Partial<LabVmDraft>): void;
  removeVm(index: number): void;
  setGateway(patch: Partial<LabDraft['gateway']>): void;
  setAccount(patch: Partial<LabDraft['account']>): void;
  goTo(step: LabStep): Promise<void>;
  next(): Promise<void>;
  back(): void;
  check(): Promise<void>;
  overrideHost(hostId: string | undefined): Promise<void>;
  startDeploy(): Promise<void>;
}

export type LabStore = StoreApi<LabState> & { dispose(): void };

/** A lab job's progress is a working step when it carries a fraction (not the rollback, not a cancel). */
function workingStep(job: { state: string; progress: { phase: string; fraction?: number } }): string | undefined {
  return job.state === 'running' && typeof job.progress.fraction === 'number' && job.progress.phase !== 'cancelling' ? job.progress.phase : undefined;
}

const emptyDraft = (): LabDraft => ({
  name: '',
  subnet: '',
  mode: 'isolated',
  forwardDevice: '',
  vms: [],
  gateway: { enabled: false, vm: '', uplink: 'default' },
  account: { username: '', sshKey: '' },
});

/** A VM of the lab from its template: the template's request on no network of its own (the lab adds its NIC). */
export function vmRequestOf(template: CatalogEntry): VmRequest {
  const request = structuredClone(template.template.request);
  return { ...request, hardware: { ...request.hardware, nics: [] } };
}

/** The step where a field is edited (main's refusals send the user back there). */
export function stepOfField(field: string): LabStep {
  if (['name', 'subnet', 'mode', 'bridge', 'forwardDevice'].includes(field)) return 'lab';
  if (field.startsWith('vms') || field.startsWith('gateway') || field.startsWith('account')) return 'vms';
  return 'review';
}

/**
 * The lab's network as `networks.create` would take it, for the rules main applies (`networkProblems`): the
 * forward device only for NAT and routed, as the host page's network form sends it.
 */
export function labNetworkOf(draft: LabDraft): { name: string; mode: NetworkMode; subnet: string; forwardDevice?: string } {
  const forwardDevice = draft.mode !== 'isolated' ? draft.forwardDevice.trim() : '';
  return { name: draft.name.trim(), mode: draft.mode, subnet: draft.subnet.trim(), ...(forwardDevice ? { forwardDevice } : {}) };
}

const first = (result: { success: true } | { success: false; error: { issues: Array<{ message: string }> } }) =>
  result.success ? undefined : result.error.issues[0]!.message;

/** The draft's field errors that need no host (the host's networks are checked at the review). */
export function labErrors(draft: LabDraft, step: LabStep, templates: readonly CatalogEntry[]): Record<string, string> {
  const errors: Record<string, string> = {};
  const set = (field: string, message: string | undefined) => {
    if (message) errors[field] ??= message;
  };
  if (step === 'lab' || step === 'review') {
    set('name', draft.name.trim() ? first(NetworkNameSchema.safeParse(draft.name.trim())) : 'a lab needs a name (its network is named after it)');
    const problems = networkProblems({ ...labNetworkOf(draft), name: 'lab' }, []);
    const subnet = problems.find((p) => p.field === 'subnet');
    set('subnet', draft.subnet.trim() ? subnet?.message : 'the lab network needs a subnet, e.g. 10.90.0.0/24');
    set('forwardDevice', problems.find((p) => p.field === 'forwardDevice')?.message);
  }
  if (step === 'vms' || step === 'review') {
    if (draft.vms.length === 0) set('vms', 'add at least one VM');
    if (draft.vms.length > MAX_LAB_VMS) set('vms', `a lab has at most ${MAX_LAB_VMS} VMs`);
    const names = draft.vms.map((vm) => vm.name.trim());
    draft.vms.forEach((vm, i) => {
      set(`vms.${i}.name`, first(DomainNameSchema.safeParse(names[i])));
      if (names.indexOf(names[i]!) !== i) set(`vms.${i}.name`, `two VMs are named "${names[i]}"`);
      if (!templates.some((t) => t.template.id === vm.templateId)) set(`vms.${i}.templateId`, 'choose a template');
    });
    if (draft.gateway.enabled) {
      if (!names.includes(draft.gateway.vm.trim())) set('gateway.vm', 'choose which VM is the gateway');
      if (!draft.gateway.uplink.trim()) set('gateway.uplink', 'the network the gateway reaches out by, e.g. default');
    }
    const { username, sshKey } = draft.account;
    if (username.trim()) set('account.username', first(SeedUserNameSchema.safeParse(username.trim())));
    if (sshKey.trim()) {
      set('account.sshKey', first(SshKeySchema.safeParse(sshKey.trim())));
      if (!username.trim()) set('account.username', 'the SSH key needs a user to go to');
    }
  }
  return errors;
}

/** The `provisioning.deployLab` input: each VM as the chosen host's plan has it, the draft's network, gateway and account. */
export function labRequestOf(draft: LabDraft, chosen: NonNullable<LabPlacement['chosen']>): MethodInput<'provisioning.deployLab'> {
  const username = draft.account.username.trim();
  const key = draft.account.sshKey.trim();
  const user = username ? { name: username, sshAuthorizedKeys: key ? [key] : [] } : undefined;
  return {
    hostId: chosen.hostId,
    ...labNetworkOf(draft),
    vms: chosen.vms.map((vm) => ({ name: vm.name, request: vm.proposal.config, ...(user ? { user } : {}) })),
    ...(draft.gateway.enabled ? { gateway: { vm: draft.gateway.vm.trim(), uplink: draft.gateway.uplink.trim() } } : {}),
  };
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createLabStore(client: ContractClient, networks: NetworksStore): LabStore {
  let checkRequest = 0;
  let catalogRequest = 0;
  // A lab job can run its first steps before `provisioning.deployLab` has answered with its id: each lab
  // job's last working step is kept from its events, and read once the id is known.
  const lastSteps = new Map<string, string>();
  const store = createStore<LabState>()((set, get) => {
    /** Any edit makes the review stale (an answer still on its way is dropped). */
    const edit = (draft: LabDraft, cleared: string[]) => {
      checkRequest++;
      set((s) => ({
        draft,
        review: { checking: false, ...(s.review.overrideHostId ? { overrideHostId: s.review.overrideHostId } : {}) },
        errors: Object.fromEntries(Object.entries(s.errors).filter(([field]) => !cleared.some((c) => field === c || field.startsWith(`${c}.`)))),
      }));
    };
    const loadCatalog = async () => {
      const request = ++catalogRequest;
      try {
        const { templates } = await client.call('provisioning.catalog', {});
        if (request === catalogRequest) set({ templates, catalogError: undefined });
      } catch (error) {
        if (request === catalogRequest) set({ catalogError: message(error) });
      }
    };
    /** Validates every step before `step` (locally); false sends the dialog to the first one with errors. */
    const stepsValid = (step: LabStep): boolean => {
      const { draft, templates } = get();
      for (const s of LAB_STEPS.slice(0, LAB_STEPS.indexOf(step))) {
        if (s === 'review' || s === 'deploy') continue;
        const errors = labErrors(draft, s, templates);
        if (Object.keys(errors).length > 0) {
          set({ errors, step: s });
          return false;
        }
      }
      return true;
    };
    return {
      open: false,
      step: 'lab',
      templates: [],
      draft: emptyDraft(),
      errors: {},
      review: { checking: false },
      deploy: { starting: false },

      openLab(hostId) {
        checkRequest++;
        set({
          open: true,
          step: 'lab',
          draft: emptyDraft(),
          errors: {},
          review: { checking: false, ...(hostId ? { overrideHostId: hostId } : {}) },
          deploy: { starting: false },
        });
        void loadCatalog();
      },
      close() {
        checkRequest++;
        catalogRequest++;
        set({ open: false });
      },
      setLab(patch) {
        // Another mode judges the forward device anew (isolated has none).
        edit({ ...get().draft, ...patch }, [...Object.keys(patch), ...('mode' in patch ? ['forwardDevice'] : [])]);
      },
      addVms(templateId, count) {
        const draft = get().draft;
        const base = draft.name.trim() || 'lab';
        const taken = new Set(draft.vms.map((vm) => vm.name));
        const added: LabVmDraft[] = [];
        for (let n = 1; added.length < count && draft.vms.length + added.length < MAX_LAB_VMS; n++) {
          const name = `${base}-${n}`;
          if (!taken.has(name)) added.push({ name, templateId });
        }
        edit({ ...draft, vms: [...draft.vms, ...added] }, ['vms']);
      },
      updateVm(index, patch) {
        const draft = get().draft;
        const before = draft.vms[index];
        const vms = draft.vms.map((vm, i) => (i === index ? { ...vm, ...patch } : vm));
        // A renamed gateway stays the gateway.
        const gateway = before && patch.name !== undefined && draft.gateway.vm === before.name ? { ...draft.gateway, vm: patch.name } : draft.gateway;
        edit({ ...draft, vms, gateway }, [`vms.${index}`, 'vms', 'gateway']);
      },
      removeVm(index) {
        const draft = get().draft;
        // Errors are by position: all of the VMs' are dropped, and checked again on the way on.
        edit({ ...draft, vms: draft.vms.filter((_, i) => i !== index) }, ['vms', 'gateway']);
      },
      setGateway(patch) {
        edit({ ...get().draft, gateway: { ...get().draft.gateway, ...patch } }, ['gateway']);
      },
      setAccount(patch) {
        edit({ ...get().draft, account: { ...get().draft.account, ...patch } }, ['account']);
      },
      async goTo(step) {
        if (step === 'deploy' && !get().deploy.jobId && !get().deploy.error) return;
        if (LAB_STEPS.indexOf(step) > LAB_STEPS.indexOf(get().step) && !stepsValid(step)) return;
        set({ step });
        if (step === 'review') await get().check();
      },
      async next() {
        const following = LAB_STEPS[LAB_STEPS.indexOf(get().step) + 1];
        if (following && following !== 'deploy') await get().goTo(following);
      },
      back() {
        const index = LAB_STEPS.indexOf(get().step);
        if (index > 0) set({ step: LAB_STEPS[index - 1]! });
      },
      async check() {
        const request = ++checkRequest;
        const { draft, templates, review } = get();
        set({ review: { ...review, checking: true, placement: undefined, error: undefined } });
        try {
          const vms = draft.vms.map((vm) => ({ name: vm.name.trim(), request: vmRequestOf(templates.find((t) => t.template.id === vm.templateId)!) }));
          const placement = await client.call('provisioning.placeLab', {
            vms,
            ...(review.overrideHostId ? { overrideHostId: review.overrideHostId } : {}),
            ...(draft.gateway.enabled ? { uplink: draft.gateway.uplink.trim() } : {}),
          });
          if (request !== checkRequest) return;
          // The lab's network against the networks of the host it goes to, with the rules main applies.
          const errors: Record<string, string> = {};
          if (placement.chosen) {
            const hostId = placement.chosen.hostId;
            if (!selectHostNetworks(networks.getState(), hostId).loaded) await networks.getState().load(hostId);
            if (request !== checkRequest) return;
            const existing = selectHostNetworks(networks.getState(), hostId).networks;
            for (const problem of networkProblems(labNetworkOf(draft), existing))
              errors[problem.field] ??= problem.message;
          }
          set((s) => ({ review: { ...s.review, checking: false, placement }, errors }));
        } catch (error) {
          if (request !== checkRequest) return;
          const fields = fieldErrorsOf(error) ?? {};
          set((s) => ({ review: { ...s.review, checking: false, placement: undefined, error: message(error) }, errors: { ...s.errors, ...fields } }));
        }
      },
      async overrideHost(hostId) {
        set((s) => {
          const { overrideHostId: _dropped, ...rest } = s.review;
          return { review: hostId ? { ...rest, overrideHostId: hostId } : rest };
        });
        await get().check();
      },
      async startDeploy() {
        const { draft, review, errors } = get();
        const chosen = review.placement?.chosen;
        if (!chosen || review.checking || Object.keys(errors).length > 0) return;
        set({ deploy: { starting: true }, step: 'deploy' });
        try {
          const { jobId } = await client.call('provisioning.deployLab', labRequestOf(draft, chosen));
          const lastStep = lastSteps.get(jobId);
          set({ deploy: { starting: false, jobId, ...(lastStep ? { lastStep } : {}) } });
        } catch (error) {
          const fields = fieldErrorsOf(error) ?? {};
          set((s) => ({ deploy: { starting: false, error: message(error) }, errors: { ...s.errors, ...fields } }));
        }
      },
    };
  });
  const off = client.on('jobs.changed', (job) => {
    if (job.kind !== 'deploy-lab') return;
    const step = workingStep(job);
    if (!step) return;
    lastSteps.set(job.id, step);
    if (lastSteps.size > 20) lastSteps.delete(lastSteps.keys().next().value!);
    if (store.getState().deploy.jobId === job.id) store.setState((s) => ({ deploy: { ...s.deploy, lastStep: step } }));
  });
  return Object.assign(store, { dispose: off });
}
