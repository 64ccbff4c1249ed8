/**
 * The "New VM" wizard's state (ProvisioningWizard is its view): the step, the catalog and its filters, the
 * draft (name, request, user account, cloud-init), field errors, the best-match proposals and placement of
 * the review step, and the deploy job. Out of the component so its orderings are unit-tested:
 * - only the latest catalog search, OS search and review check are used (a slower, older answer never
 *   replaces a newer one);
 * - accepting a proposal replaces the draft's request with the host's configuration and checks again, so the
 *   review always shows what would be deployed;
 * - errors from main land at their field (`details.field`, or the zod issue paths of a refused payload).
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { ContractCallError } from '../../../preload/client';
import type { ContractClient } from '../../../preload/contract';
import {
  VmNameSchema,
  VmRequestSchema,
  type App,
  type CatalogEntry,
  type OsSummary,
  type Placement,
  type Proposal,
  type Purpose,
  type Refusal,
  type VmRequest,
} from '../../../preload/api/provisioning';
import { checkCloudConfig } from './cloudConfig';
import { deployInput, deployVm, type DeployArgs } from './deploy';

export const WIZARD_STEPS = ['catalog', 'compose', 'apps', 'review', 'deploy'] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];
export const STEP_LABELS: Record<WizardStep, string> = {
  catalog: 'Catalog',
  compose: 'Compose',
  apps: 'Applications',
  review: 'Review',
  deploy: 'Deploy',
};

export interface CatalogFilter {
  text: string;
  purpose: Purpose | '';
  size: 'small' | 'medium' | 'large' | '';
  osFamily: string;
}

export interface Account {
  username: string;
  sshKey: string;
}

export interface WizardDraft {
  name: string;
  request: VmRequest;
  account: Account;
  cloudInit: string;
  /** The template it started from, if any. */
  templateId?: string;
}

export interface ReviewState {
  checking: boolean;
  proposals: Proposal[];
  refusals: Refusal[];
  placement?: Placement;
  overrideHostId?: string;
  error?: string;
  /** The domain XML a deploy of the chosen configuration would define (`provisioning.previewXml`), or why not. */
  xml?: string;
  /** From install media: the configuration the installer's first run boots (the ISO first; a reboot stops it). */
  firstBootXml?: string;
  xmlError?: string;
}

export interface DeployState {
  starting: boolean;
  jobId?: string;
  error?: string;
}

export interface WizardState {
  open: boolean;
  step: WizardStep;
  filter: CatalogFilter;
  templates: CatalogEntry[];
  apps: App[];
  catalogLoading: boolean;
  catalogError?: string;
  osQuery: string;
  osResults: OsSummary[];
  draft: WizardDraft;
  /** By field path ("name", "hardware.memoryMiB", "hardware.disks.0.sizeGiB", "cloudInit", "account.sshKey"). */
  errors: Record<string, string>;
  review: ReviewState;
  deploy: DeployState;
  /** Changes accepted from a proposal (shown on the review step once the request matches the host). */
  accepted: Proposal['changes'];

  openWizard(): void;
  close(): void;
  setFilter(patch: Partial<CatalogFilter>): Promise<void>;
  loadCatalog(): Promise<void>;
  chooseTemplate(templateId: string): void;
  composeBlank(): void;
  setName(name: string): void;
  updateRequest(update: (request: VmRequest) => VmRequest): void;
  setAccount(patch: Partial<Account>): void;
  setCloudInit(text: string): void;
  toggleApp(appId: string): void;
  searchOs(text: string): Promise<void>;
  goTo(step: WizardStep): Promise<void>;
  next(): Promise<void>;
  back(): void;
  check(): Promise<void>;
  acceptProposal(): Promise<void>;
  overrideHost(hostId: string | undefined): Promise<void>;
  startDeploy(): Promise<void>;
  /** Saves the draft's request (as accepted so far) as a user template; the answer is a message to show. */
  saveAsTemplate(name: string): Promise<void>;
  templateSave: { saving: boolean; message?: string; error?: string };
}

export type WizardStore = StoreApi<WizardState>;

/** A blank composition: Debian stable's shape, small, on libvirt's default network. */
export function blankRequest(): VmRequest {
  return {
    os: { osinfoId: 'debian12', source: 'cloud-image' },
    hardware: {
      arch: 'x86_64',
      vcpus: 2,
      memoryMiB: 2048,
      firmware: 'bios',
      secureBoot: false,
      tpm: false,
      disks: [{ sizeGiB: 20, bus: 'virtio' }],
      nics: [{ network: 'default', model: 'virtio' }],
      graphics: 'vnc',
      sound: false,
    },
    apps: [],
  };
}

const emptyDraft = (): WizardDraft => ({ name: '', request: blankRequest(), account: { username: '', sshKey: '' }, cloudInit: '' });
const emptyReview = (): ReviewState => ({ checking: false, proposals: [], refusals: [] });
const emptyFilter = (): CatalogFilter => ({ text: '', purpose: '', size: '', osFamily: '' });
/** Where each opening of the wizard starts (the catalog it loaded stays). */
const freshWizard = (): Pick<WizardState, 'step' | 'filter' | 'draft' | 'errors' | 'review' | 'deploy' | 'accepted' | 'templateSave'> => ({
  step: 'catalog',
  filter: emptyFilter(),
  draft: emptyDraft(),
  errors: {},
  review: emptyReview(),
  deploy: { starting: false },
  accepted: [],
  templateSave: { saving: false },
});

const SSH_KEY = /^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+={0,3}( .*)?$/;
const USERNAME = /^[a-z_][a-z0-9_-]{0,31}$/;

/** Installers read no cloud-init seed: what only a seed carries is refused at its field rather than lost. */
const NO_SEED = 'an installer ISO does not read cloud-init';

/** The draft's field errors that need no round trip (what main checks again: the boundary is main's). */
export function localErrors(draft: WizardDraft, step: WizardStep): Record<string, string> {
  const errors: Record<string, string> = {};
  const fromIso = draft.request.os.source === 'install-media';
  if (step === 'compose' || step === 'review') {
    const name = VmNameSchema.safeParse(draft.name);
    if (!name.success) errors.name = name.error.issues[0]!.message;
    const request = VmRequestSchema.safeParse(draft.request);
    if (!request.success) for (const issue of request.error.issues) errors[issue.path.join('.')] ??= issue.message;
    const { username, sshKey } = draft.account;
    if (username && !USERNAME.test(username)) errors['account.username'] = 'lowercase letters, digits, "_" and "-", starting with a letter or "_" (at most 32)';
    if (sshKey.trim() && !SSH_KEY.test(sshKey.trim())) errors['account.sshKey'] = 'a public key looks like "ssh-ed25519 AAAA... comment"';
    if (sshKey.trim() && !username) errors['account.username'] = 'the SSH key needs a user to go to';
    if (fromIso && (username || sshKey.trim())) errors['account.username'] = `${NO_SEED}: create the account in the installer (leave these empty)`;
  }
  if (step === 'apps' || step === 'review') {
    const cloud = checkCloudConfig(draft.cloudInit);
    if (!cloud.ok) errors.cloudInit = cloud.errors.join('\n');
    else if (fromIso && draft.cloudInit.trim()) errors.cloudInit = `${NO_SEED}: this user-data would not be applied (leave it empty)`;
  }
  return errors;
}

/** Where main's refusal belongs: its `details.field`, else the paths of the payload's zod issues (without "request."). */
export function fieldErrorsOf(error: unknown): Record<string, string> | undefined {
  if (!(error instanceof ContractCallError)) return undefined;
  const details = error.details ?? {};
  if (typeof details.field === 'string') return { [details.field.replace(/^request\./, '')]: error.message };
  if (Array.isArray(details.issues)) {
    const errors: Record<string, string> = {};
    for (const issue of details.issues as Array<{ path: string[]; message: string }>) {
      const path = issue.path[0] === 'request' ? issue.path.slice(1) : issue.path;
      errors[path.join('.')] ??= issue.message;
    }
    return errors;
  }
  return undefined;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createWizardStore(client: ContractClient, deploy: (args: DeployArgs) => Promise<{ jobId: string }> = (args) => deployVm(client, args)): WizardStore {
  let catalogRequest = 0;
  let osRequest = 0;
  let checkRequest = 0;
  return createStore<WizardState>()((set, get) => {
    const setDraft = (patch: Partial<WizardDraft>) => {
      // Any edit makes the review stale: it is checked again on the way there (and an answer still on its way is dropped).
      checkRequest++;
      set((s) => ({ draft: { ...s.draft, ...patch }, review: emptyReview(), accepted: [] }));
    };
    /** The XML of what deploy would define on the chosen host: part of check `request`, dropped if a newer one started. */
    const previewXml = async (request: number, chosen: Proposal) => {
      try {
        const { xml, firstBootXml } = await client.call('provisioning.previewXml', deployInput(deployArgsOf(get().draft, chosen)));
        if (request !== checkRequest) return;
        set((s) => ({ review: { ...s.review, xml, ...(firstBootXml ? { firstBootXml } : {}) } }));
      } catch (error) {
        if (request !== checkRequest) return;
        const fields = fieldErrorsOf(error);
        set((s) => ({ review: { ...s.review, xmlError: message(error) }, errors: fields ? { ...s.errors, ...fields } : s.errors }));
      }
    };
    return {
      open: false,
      ...freshWizard(),
      templates: [],
      apps: [],
      catalogLoading: false,
      osQuery: '',
      osResults: [],

      openWizard() {
        set({ open: true, ...freshWizard() });
        void get().loadCatalog();
      },
      close() {
        catalogRequest++;
        osRequest++;
        checkRequest++;
        set({ open: false });
      },
      async setFilter(patch) {
        set((s) => ({ filter: { ...s.filter, ...patch } }));
        await get().loadCatalog();
      },
      async loadCatalog() {
        const request = ++catalogRequest;
        const { text, purpose, size, osFamily } = get().filter;
        set({ catalogLoading: true, catalogError: undefined });
        try {
          const result = await client.call('provisioning.catalog', {
            ...(text.trim() ? { text: text.trim() } : {}),
            ...(purpose ? { purpose } : {}),
            ...(size ? { size } : {}),
            ...(osFamily ? { osFamily } : {}),
          });
          if (request !== catalogRequest) return;
          set({ templates: result.templates, apps: result.apps, catalogLoading: false });
        } catch (error) {
          if (request !== catalogRequest) return;
          set({ catalogLoading: false, catalogError: message(error) });
        }
      },
      chooseTemplate(templateId) {
        const entry = get().templates.find((e) => e.template.id === templateId);
        if (!entry) return;
        set({
          draft: { ...emptyDraft(), name: entry.template.id, request: structuredClone(entry.template.request), templateId },
          errors: {},
          review: emptyReview(),
          accepted: [],
          step: 'compose',
        });
      },
      composeBlank() {
        set({ draft: emptyDraft(), errors: {}, review: emptyReview(), accepted: [], step: 'compose' });
      },
      setName(name) {
        setDraft({ name });
        set((s) => ({ errors: withoutField(s.errors, 'name') }));
      },
      updateRequest(update) {
        setDraft({ request: update(structuredClone(get().draft.request)) });
      },
      setAccount(patch) {
        setDraft({ account: { ...get().draft.account, ...patch } });
      },
      setCloudInit(text) {
        setDraft({ cloudInit: text });
        set((s) => ({ errors: withoutField(s.errors, 'cloudInit') }));
      },
      toggleApp(appId) {
        get().updateRequest((r) => ({ ...r, apps: r.apps.includes(appId) ? r.apps.filter((a) => a !== appId) : [...r.apps, appId] }));
      },
      async searchOs(text) {
        const request = ++osRequest;
        set({ osQuery: text });
        try {
          const { oses } = await client.call('provisioning.osList', { ...(text.trim() ? { text: text.trim() } : {}), limit: 20 });
          if (request === osRequest) set({ osResults: oses });
        } catch (error) {
          if (request === osRequest) set((s) => ({ osResults: [], errors: { ...s.errors, 'os.osinfoId': message(error) } }));
        }
      },
      async goTo(step) {
        const from = WIZARD_STEPS.indexOf(get().step);
        const to = WIZARD_STEPS.indexOf(step);
        if (to <= from) {
          set({ step });
          return;
        }
        // Forward: every step in between must be valid.
        for (let i = from; i < to; i++) {
          if (!(await leave(WIZARD_STEPS[i]!))) return;
        }
        set({ step });
        if (step === 'review') await get().check();
      },
      async next() {
        const index = WIZARD_STEPS.indexOf(get().step);
        const following = WIZARD_STEPS[index + 1];
        if (following) await get().goTo(following);
      },
      back() {
        const index = WIZARD_STEPS.indexOf(get().step);
        if (index > 0) set({ step: WIZARD_STEPS[index - 1]! });
      },
      async check() {
        const request = ++checkRequest;
        const { draft, review } = get();
        set({ review: { ...review, checking: true, error: undefined, xml: undefined, xmlError: undefined } });
        try {
          const [proposed, placement] = await Promise.all([
            client.call('provisioning.propose', { request: draft.request }),
            client.call('provisioning.place', {
              request: draft.request,
              ...(draft.name ? { name: draft.name } : {}),
              ...(review.overrideHostId ? { overrideHostId: review.overrideHostId } : {}),
            }),
          ]);
          if (request !== checkRequest) return;
          set((s) => ({
            review: { ...s.review, checking: false, proposals: proposed.proposals, refusals: proposed.refusals, placement, xml: undefined, xmlError: undefined },
          }));
          if (placement.chosen) await previewXml(request, placement.chosen);
        } catch (error) {
          if (request !== checkRequest) return;
          const fields = fieldErrorsOf(error);
          set((s) => ({
            review: { ...s.review, checking: false, placement: undefined, error: message(error) },
            errors: fields ? { ...s.errors, ...fields } : s.errors,
          }));
        }
      },
      async acceptProposal() {
        const chosen = get().review.placement?.chosen;
        if (!chosen) return;
        const overrideHostId = get().review.overrideHostId;
        set((s) => ({
          draft: { ...s.draft, request: structuredClone(chosen.config) },
          accepted: chosen.changes,
          review: { ...emptyReview(), ...(overrideHostId ? { overrideHostId } : {}) },
        }));
        await get().check();
      },
      async overrideHost(hostId) {
        set((s) => ({ review: { ...s.review, ...{ overrideHostId: hostId } } }));
        if (!hostId) set((s) => ({ review: withoutOverride(s.review) }));
        await get().check();
      },
      async startDeploy() {
        const { draft, review } = get();
        const chosen = review.placement?.chosen;
        if (!chosen) return;
        set({ deploy: { starting: true }, step: 'deploy' });
        try {
          const { jobId } = await deploy(deployArgsOf(draft, chosen));
          set({ deploy: { starting: false, jobId } });
        } catch (error) {
          const fields = fieldErrorsOf(error);
          set((s) => ({ deploy: { starting: false, error: message(error) }, errors: fields ? { ...s.errors, ...fields } : s.errors }));
        }
      },
      async saveAsTemplate(name) {
        const id = templateIdOf(name);
        if (!id) {
          set({ templateSave: { saving: false, error: 'a template name needs at least one letter or digit' } });
          return;
        }
        set({ templateSave: { saving: true } });
        try {
          const saved = await client.call('provisioning.templates.save', { id, name: name.trim(), request: get().draft.request });
          set({ templateSave: { saving: false, message: `Saved as "${saved.name}" (${saved.id}).` } });
          void get().loadCatalog();
        } catch (error) {
          set({ templateSave: { saving: false, error: message(error) } });
        }
      },
    };

    /** Validates the step being left (locally, then with main for compose); false keeps the wizard there. */
    async function leave(step: WizardStep): Promise<boolean> {
      if (step === 'catalog' || step === 'review') return step === 'catalog' || !!get().review.placement?.chosen;
      const local = localErrors(get().draft, step);
      if (Object.keys(local).length > 0) {
        set({ errors: local, step });
        return false;
      }
      if (step === 'compose') {
        try {
          const { errors } = await client.call('provisioning.validate', { name: get().draft.name, request: get().draft.request });
          if (errors.length > 0) {
            set({ errors: Object.fromEntries(errors.map((e) => [e.field, e.message])), step });
            return false;
          }
        } catch (error) {
          set({ errors: { form: message(error) }, step });
          return false;
        }
      }
      set({ errors: {} });
      return true;
    }
  });
}

/** "My web server" -> "my-web-server": template ids are lowercase letters, digits and "-". */
export function templateIdOf(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
}

function withoutField(errors: Record<string, string>, field: string): Record<string, string> {
  if (!(field in errors)) return errors;
  const { [field]: _removed, ...rest } = errors;
  return rest;
}

/** What deploy (and its XML preview) gets: the chosen host's configuration, with the draft's name, account and cloud-init. */
function deployArgsOf(draft: WizardDraft, chosen: Proposal): DeployArgs {
  return {
    hostId: chosen.hostId,
    name: draft.name,
    request: chosen.config,
    ...(draft.account.username ? { account: draft.account } : {}),
    ...(draft.cloudInit.trim() ? { cloudInit: draft.cloudInit } : {}),
  };
}

function withoutOverride(review: ReviewState): ReviewState {
  const { overrideHostId: _removed, ...rest } = review;
  return rest;
}
