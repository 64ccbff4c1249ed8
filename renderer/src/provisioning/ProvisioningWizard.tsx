/**
 * "New VM": catalog -> compose -> applications -> review (best-match diff, placement, the request) ->
 * deploy. Keyboard: Enter goes to the next step (Ctrl+Enter in the cloud-init editor), Escape closes, Tab
 * moves through the fields in order; the step list is a tab list. State lives in wizardStore.
 */
import { useCallback, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { DeployReportSchema } from '../../../preload/api/deploy';
import type { Job } from '../../../preload/api/jobs';
import { PURPOSES, type DiskSpec, type NicSpec } from '../../../preload/api/provisioning';
import { formatBytes, formatMiB } from '../format';
import { JobProgress } from '../jobs/JobProgress';
import { guestAddressKey } from '../stores/guestAddressesStore';
import { useJobs, useStores, useWizard } from '../stores/StoresContext';
import { checkCloudConfig } from './cloudConfig';
import { deviceLines } from './deviceSummary';
import { InstallMediaPicker } from './InstallMediaPicker';
import { mediaText } from './installMediaChoice';
import { HostOverrideSelect, useEscapeToClose, useFocusFirstField, WizardDialog, WizardFooterButtons, WizardStepTabs } from './wizardFrame';
import { STEP_LABELS, WIZARD_STEPS, type WizardStep } from './wizardStore';
import './provisioning.css';

/** Rendered once by the shell; shows the wizard while it is open. */
export function ProvisioningWizardHost() {
  const open = useWizard((s) => s.open);
  return open ? <ProvisioningWizard /> : null;
}

function ProvisioningWizard() {
  const { wizard } = useStores();
  const step = useWizard((s) => s.step);
  const formError = useWizard((s) => s.errors.form);
  const dialogRef = useRef<HTMLDivElement>(null);

  // Focus the first field of each step, so the keyboard starts where the work is.
  useFocusFirstField(dialogRef, '[data-autofocus], .wizard-body input, .wizard-body select, .wizard-body textarea, .wizard-body button', step);
  const close = useCallback(() => wizard.getState().close(), [wizard]);
  useEscapeToClose(close);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key !== 'Enter' || event.defaultPrevented) return;
    const target = event.target as HTMLElement;
    // Buttons, links and checkboxes act on Enter themselves; a textarea takes newlines unless Ctrl/Cmd is down.
    if (target.tagName === 'BUTTON' || target.tagName === 'A') return;
    if (target.tagName === 'TEXTAREA' && !(event.ctrlKey || event.metaKey)) return;
    // On review, deploying takes the button: Enter in the host override must not start it.
    if (step === 'catalog' || step === 'review' || step === 'deploy') return;
    event.preventDefault();
    void wizard.getState().next();
  };

  return (
    <WizardDialog
      dialogRef={dialogRef}
      className="wizard"
      titleId="wizard-title"
      title="New virtual machine"
      testId="wizard"
      closeTestId="wizard-close"
      onClose={close}
      onKeyDown={onKeyDown}
    >
      <StepTabs step={step} />
      {formError && (
        <p className="field-error" role="alert">
          {formError}
        </p>
      )}
      <div className="wizard-body" data-testid={`wizard-step-${step}`}>
        {step === 'catalog' && <CatalogStep />}
        {step === 'compose' && <ComposeStep />}
        {step === 'apps' && <AppsStep />}
        {step === 'review' && <ReviewStep />}
        {step === 'deploy' && <DeployStep />}
      </div>
      <WizardFooter step={step} />
    </WizardDialog>
  );
}

function StepTabs({ step }: { step: WizardStep }) {
  const { wizard } = useStores();
  return <WizardStepTabs steps={WIZARD_STEPS} labels={STEP_LABELS} current={step} testIdPrefix="wizard-tab-" onSelect={(s) => void wizard.getState().goTo(s)} />;
}

function WizardFooter({ step }: { step: WizardStep }) {
  const { wizard } = useStores();
  const canDeploy = useWizard((s) => !!s.review.placement?.chosen && !s.review.checking);
  const checking = useWizard((s) => s.review.checking);
  if (step === 'catalog' || step === 'deploy') return null;
  return (
    <WizardFooterButtons
      onBack={() => wizard.getState().back()}
      backTestId="wizard-back"
      forward={
        step === 'review'
          ? { label: 'Deploy', testId: 'wizard-deploy', disabled: !canDeploy, onClick: () => void wizard.getState().startDeploy() }
          : { label: 'Next', testId: 'wizard-next', disabled: checking, onClick: () => void wizard.getState().next() }
      }
    />
  );
}

// ---------------------------------------------------------------------------------------------------------

function CatalogStep() {
  const { wizard } = useStores();
  const filter = useWizard((s) => s.filter);
  const templates = useWizard((s) => s.templates);
  const loading = useWizard((s) => s.catalogLoading);
  const error = useWizard((s) => s.catalogError);
  const chooseOnEnter = (id: string) => (event: KeyboardEvent) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      wizard.getState().chooseTemplate(id);
    }
  };
  return (
    <div className="wizard-catalog">
      <div className="wizard-filters">
        <input
          className="input"
          type="search"
          placeholder="Search templates"
          aria-label="Search templates"
          data-testid="catalog-search"
          data-autofocus
          value={filter.text}
          onChange={(e) => void wizard.getState().setFilter({ text: e.target.value })}
        />
        <select className="input" aria-label="Purpose" data-testid="catalog-purpose" value={filter.purpose} onChange={(e) => void wizard.getState().setFilter({ purpose: e.target.value as typeof filter.purpose })}>
          <option value="">Any purpose</option>
          {PURPOSES.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
        <select className="input" aria-label="Size" data-testid="catalog-size" value={filter.size} onChange={(e) => void wizard.getState().setFilter({ size: e.target.value as typeof filter.size })}>
          <option value="">Any size</option>
          <option value="small">Small (≤ 2 vCPUs, 2 GiB)</option>
          <option value="medium">Medium (≤ 4 vCPUs, 8 GiB)</option>
          <option value="large">Large</option>
        </select>
        <input
          className="input"
          placeholder="OS family (linux, debian…)"
          aria-label="OS family"
          data-testid="catalog-family"
          value={filter.osFamily}
          onChange={(e) => void wizard.getState().setFilter({ osFamily: e.target.value.trim() })}
        />
      </div>
      {error && <p className="field-error" role="alert">{error}</p>}
      <ul className="wizard-templates" aria-busy={loading} data-testid="catalog-list">
        {templates.map((entry) => (
          <li key={`${entry.source}/${entry.template.id}`}>
            <button
              type="button"
              className="wizard-template"
              data-testid={`template-${entry.template.id}`}
              onClick={() => wizard.getState().chooseTemplate(entry.template.id)}
              onKeyDown={chooseOnEnter(entry.template.id)}
            >
              <strong>{entry.template.name}</strong>
              <span className="muted">
                {entry.osName ?? entry.template.request.os.osinfoId} · {entry.template.request.hardware.vcpus} vCPU ·{' '}
                {formatMiB(entry.template.request.hardware.memoryMiB)} · {entry.size}
                {entry.source === 'user' ? ' · yours' : ''}
              </span>
              <span>{entry.template.description}</span>
            </button>
          </li>
        ))}
        {!loading && templates.length === 0 && <li className="muted">No template matches.</li>}
      </ul>
      <button type="button" className="btn" onClick={() => wizard.getState().composeBlank()} data-testid="compose-blank">
        Compose from scratch
      </button>
    </div>
  );
}

function ComposeStep() {
  const { wizard } = useStores();
  const draft = useWizard((s) => s.draft);
  const errors = useWizard((s) => s.errors);
  const { hardware, os } = draft.request;
  const update = wizard.getState().updateRequest;
  const setHardware = (patch: Partial<typeof hardware>) => update((r) => ({ ...r, hardware: { ...r.hardware, ...patch } }));
  const setDisk = (i: number, patch: Partial<DiskSpec>) => setHardware({ disks: hardware.disks.map((d, j) => (j === i ? { ...d, ...patch } : d)) });
  const setNic = (i: number, patch: Partial<NicSpec>) => setHardware({ nics: hardware.nics.map((n, j) => (j === i ? { ...n, ...patch } : n)) });

  return (
    <div className="wizard-form">
      <Field label="Name" field="name" errors={errors}>
        {(props) => <input {...props} className="input" data-testid="field-name" value={draft.name} onChange={(e) => wizard.getState().setName(e.target.value)} />}
      </Field>
      <OsPicker />
      <fieldset>
        <legend>Hardware</legend>
        <div className="wizard-row">
          <Field label="vCPUs" field="hardware.vcpus" errors={errors}>
            {(props) => <input {...props} className="input" type="number" min={1} data-testid="field-vcpus" value={numberValue(hardware.vcpus)} onChange={(e) => setHardware({ vcpus: toNumber(e.target.value) })} />}
          </Field>
          <Field label="Memory (MiB)" field="hardware.memoryMiB" errors={errors}>
            {(props) => (
              <input {...props} className="input" type="number" min={128} step={256} data-testid="field-memory" value={numberValue(hardware.memoryMiB)} onChange={(e) => setHardware({ memoryMiB: toNumber(e.target.value) })} />
            )}
          </Field>
          <Field label="Chipset" field="hardware.machine" errors={errors}>
            {(props) => (
              <select
                {...props}
                className="input"
                data-testid="field-machine"
                value={hardware.machine ?? ''}
                onChange={(e) => {
                  const machine = e.target.value as 'q35' | 'pc' | '';
                  update((r) => {
                    // "Deploy's choice" leaves the field out, as templates saved before it existed.
                    const { machine: _previous, ...rest } = r.hardware;
                    return { ...r, hardware: machine ? { ...rest, machine } : rest };
                  });
                }}
              >
                <option value="">Deploy's choice</option>
                <option value="q35">q35 (PCIe, SATA)</option>
                <option value="pc">i440fx (IDE, older OSes)</option>
              </select>
            )}
          </Field>
          <Field label="Firmware" field="hardware.firmware" errors={errors}>
            {(props) => (
              <select {...props} className="input" data-testid="field-firmware" value={hardware.firmware} onChange={(e) => setHardware({ firmware: e.target.value as 'bios' | 'uefi', ...(e.target.value === 'bios' ? { secureBoot: false } : {}) })}>
                <option value="bios">BIOS</option>
                <option value="uefi">UEFI</option>
              </select>
            )}
          </Field>
        </div>
        <div className="wizard-row">
          <label className="inline">
            <input type="checkbox" data-testid="field-secureboot" disabled={hardware.firmware !== 'uefi'} checked={hardware.secureBoot} onChange={(e) => setHardware({ secureBoot: e.target.checked })} /> Secure Boot
          </label>
          <label className="inline">
            <input type="checkbox" data-testid="field-tpm" checked={hardware.tpm} onChange={(e) => setHardware({ tpm: e.target.checked })} /> TPM
          </label>
          <label className="inline">
            <input type="checkbox" data-testid="field-sound" checked={hardware.sound} onChange={(e) => setHardware({ sound: e.target.checked })} /> Sound
          </label>
          <Field label="Graphics" field="hardware.graphics" errors={errors}>
            {(props) => (
              <select {...props} className="input" data-testid="field-graphics" value={hardware.graphics} onChange={(e) => setHardware({ graphics: e.target.value as 'vnc' | 'spice' | 'none' })}>
                <option value="vnc">VNC</option>
                <option value="spice">SPICE</option>
                <option value="none">None</option>
              </select>
            )}
          </Field>
        </div>
      </fieldset>
      <fieldset>
        <legend>Disks</legend>
        {hardware.disks.map((disk, i) => (
          <div className="wizard-row" key={i}>
            <Field label={i === 0 ? 'System disk (GiB)' : `Disk ${i + 1} (GiB)`} field={`hardware.disks.${i}.sizeGiB`} errors={errors}>
              {(props) => <input {...props} className="input" type="number" min={1} data-testid={`field-disk-${i}-size`} value={numberValue(disk.sizeGiB)} onChange={(e) => setDisk(i, { sizeGiB: toNumber(e.target.value) })} />}
            </Field>
            <Field label="Bus" field={`hardware.disks.${i}.bus`} errors={errors}>
              {(props) => (
                <select {...props} className="input" data-testid={`field-disk-${i}-bus`} value={disk.bus} onChange={(e) => setDisk(i, { bus: e.target.value as DiskSpec['bus'] })}>
                  <option value="virtio">virtio</option>
                  <option value="sata">SATA</option>
                  <option value="scsi">SCSI</option>
                  <option value="ide">IDE (i440fx only)</option>
                </select>
              )}
            </Field>
            {i > 0 && (
              <button type="button" className="btn btn-quiet btn-small" onClick={() => setHardware({ disks: hardware.disks.filter((_, j) => j !== i) })}>
                Remove
              </button>
            )}
          </div>
        ))}
        <button type="button" className="btn btn-small" data-testid="add-disk" disabled={hardware.disks.length >= 16} onClick={() => setHardware({ disks: [...hardware.disks, { sizeGiB: 10, bus: 'virtio' }] })}>
          Add disk
        </button>
      </fieldset>
      <fieldset>
        <legend>Network interfaces</legend>
        {hardware.nics.map((nic, i) => (
          <div className="wizard-row" key={i}>
            <Field label="Network" field={`hardware.nics.${i}.network`} errors={errors}>
              {(props) => <input {...props} className="input" data-testid={`field-nic-${i}-network`} value={nic.network} onChange={(e) => setNic(i, { network: e.target.value })} />}
            </Field>
            <Field label="Model" field={`hardware.nics.${i}.model`} errors={errors}>
              {(props) => (
                <select {...props} className="input" value={nic.model} onChange={(e) => setNic(i, { model: e.target.value as NicSpec['model'] })}>
                  <option value="virtio">virtio</option>
                  <option value="e1000e">e1000e</option>
                  <option value="e1000">e1000</option>
                  <option value="rtl8139">rtl8139</option>
                </select>
              )}
            </Field>
            <button type="button" className="btn btn-quiet btn-small" onClick={() => setHardware({ nics: hardware.nics.filter((_, j) => j !== i) })}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" className="btn btn-small" data-testid="add-nic" disabled={hardware.nics.length >= 8} onClick={() => setHardware({ nics: [...hardware.nics, { network: 'default', model: 'virtio' }] })}>
          Add interface
        </button>
      </fieldset>
      <fieldset>
        <legend>User account</legend>
        <div className="wizard-row">
          <Field label="User name" field="account.username" errors={errors}>
            {(props) => <input {...props} className="input" autoComplete="off" data-testid="field-username" value={draft.account.username} onChange={(e) => wizard.getState().setAccount({ username: e.target.value })} />}
          </Field>
          <Field label="SSH public key" field="account.sshKey" errors={errors} wide>
            {(props) => <input {...props} className="input" autoComplete="off" placeholder="ssh-ed25519 AAAA… you@host" data-testid="field-sshkey" value={draft.account.sshKey} onChange={(e) => wizard.getState().setAccount({ sshKey: e.target.value })} />}
          </Field>
        </div>
      </fieldset>
      <p className="muted">
        OS source: {os.source === 'cloud-image' ? 'cloud image (cloud-init)' : os.source === 'install-media' ? 'installer ISO' : 'empty disk'}
      </p>
    </div>
  );
}

function OsPicker() {
  const { wizard } = useStores();
  const osinfoId = useWizard((s) => s.draft.request.os.osinfoId);
  const source = useWizard((s) => s.draft.request.os.source);
  const results = useWizard(useShallow((s) => s.osResults));
  const query = useWizard((s) => s.osQuery);
  const errors = useWizard((s) => s.errors);
  const listId = useId();
  const setOs = (id: string) => wizard.getState().updateRequest((r) => ({ ...r, os: { ...r.os, osinfoId: id } }));
  return (
    <fieldset>
      <legend>Operating system</legend>
      <div className="wizard-row">
        <Field label="OS (osinfo id)" field="os.osinfoId" errors={errors}>
          {(props) => <input {...props} className="input" data-testid="field-os" list={listId} value={osinfoId} onChange={(e) => setOs(e.target.value.trim())} />}
        </Field>
        <label>
          Search
          <input className="input" type="search" placeholder="ubuntu 24.04" data-testid="os-search" value={query} onChange={(e) => void wizard.getState().searchOs(e.target.value)} />
        </label>
        <label>
          Source
          <select
            className="input"
            data-testid="field-os-source"
            value={source}
            onChange={(e) =>
              wizard.getState().updateRequest((r) => {
                // Install media belongs to the ISO source only.
                const { installMedia: _media, ...os } = r.os;
                return { ...r, os: { ...os, source: e.target.value as typeof source } };
              })
            }
          >
            <option value="cloud-image">Cloud image</option>
            <option value="install-media">Install from ISO</option>
            <option value="empty-disk">Empty disk</option>
          </select>
        </label>
      </div>
      {source === 'install-media' && <InstallMediaPicker />}
      {results.length > 0 && (
        <ul className="wizard-os-results" data-testid="os-results">
          {results.map((o) => (
            <li key={o.id}>
              <button type="button" className={o.shortId === osinfoId ? 'os-choice current' : 'os-choice'} onClick={() => setOs(o.shortId)}>
                {o.name} <span className="muted">({o.shortId}{o.minimum.memoryMiB ? `, min ${formatMiB(o.minimum.memoryMiB)}` : ''}{o.uefiRequired ? ', UEFI' : ''})</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <datalist id={listId}>
        {results.map((o) => (
          <option key={o.id} value={o.shortId}>
            {o.name}
          </option>
        ))}
      </datalist>
    </fieldset>
  );
}

function AppsStep() {
  const { wizard } = useStores();
  const apps = useWizard((s) => s.apps);
  const selected = useWizard(useShallow((s) => s.draft.request.apps));
  const cloudInit = useWizard((s) => s.draft.cloudInit);
  const error = useWizard((s) => s.errors.cloudInit ?? s.errors.apps);
  const fromIso = useWizard((s) => s.draft.request.os.source === 'install-media');
  const check = checkCloudConfig(cloudInit);
  return (
    <div className="wizard-form">
      {fromIso && (
        <p className="muted" data-testid="apps-iso-note">
          Installing from an ISO: applications and user-data need cloud-init, which installers do not read. Applications you tick
          are dropped at the review, with that reason.
        </p>
      )}
      <fieldset>
        <legend>Applications</legend>
        <ul className="wizard-apps" data-testid="app-list">
          {apps.map((app) => (
            <li key={app.id}>
              <label className="inline">
                <input type="checkbox" data-testid={`app-${app.id}`} checked={selected.includes(app.id)} onChange={() => wizard.getState().toggleApp(app.id)} />
                <span>
                  <strong>{app.name}</strong> <span className="muted">{app.description} (on {app.distros.join(', ')})</span>
                </span>
              </label>
            </li>
          ))}
        </ul>
      </fieldset>
      <label>
        Extra cloud-init user-data (Ctrl+Enter goes on)
        <textarea
          className="input wizard-cloudinit"
          rows={8}
          spellCheck={false}
          placeholder={'#cloud-config\n{"packages": ["htop"], "runcmd": [["touch", "/root/hello"]]}'}
          data-testid="field-cloudinit"
          aria-invalid={!!error}
          value={cloudInit}
          onChange={(e) => wizard.getState().setCloudInit(e.target.value)}
        />
      </label>
      {error ? (
        <p className="field-error" role="alert" data-testid="error-cloudInit">
          {error}
        </p>
      ) : cloudInit.trim() && check.ok ? (
        <p className="muted" data-testid="cloudinit-ok">
          Valid cloud-config{check.unchecked.length ? `; not checked here: ${check.unchecked.join(', ')}` : ''}.
        </p>
      ) : null}
    </div>
  );
}

/**
 * The domain XML deploy would define on the chosen host (`provisioning.previewXml`): read-only, copyable. From
 * install media, also the configuration of the installer's first run (the definition is what boots after it).
 */
function DomainXml({ xml, firstBootXml, error, pending }: { xml: string | undefined; firstBootXml: string | undefined; error: string | undefined; pending: boolean }) {
  const [copied, setCopied] = useState<string>();
  const copy = async (text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('Copied.');
    } catch (e) {
      setCopied(`Could not copy: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  return (
    <details data-testid="review-xml">
      <summary>The domain XML</summary>
      {error ? (
        <p className="field-error" role="alert" data-testid="review-xml-error">
          {error}
        </p>
      ) : xml ? (
        <>
          <div className="wizard-row">
            <button type="button" className="btn btn-small" data-testid="review-xml-copy" onClick={() => void copy(xml)}>
              Copy
            </button>
            {copied && (
              <span className="muted" role="status">
                {copied}
              </span>
            )}
          </div>
          {firstBootXml && <p className="muted">The definition: what the VM boots once its installer has rebooted.</p>}
          <pre className="wizard-json" data-testid="review-xml-text" aria-label="Domain XML" tabIndex={0}>
            {xml}
          </pre>
          {firstBootXml && (
            <>
              <p className="muted">The installer's first run: the ISO booted first; its reboot stops the VM, and Tandem starts it again on the definition.</p>
              <pre className="wizard-json" data-testid="review-first-boot-xml-text" aria-label="Domain XML of the installer's first run" tabIndex={0}>
                {firstBootXml}
              </pre>
            </>
          )}
        </>
      ) : (
        <p className="muted">{pending ? 'Generating the XML…' : 'No host can run the VM as it stands: no XML to show.'}</p>
      )}
    </details>
  );
}

function ReviewStep() {
  const { wizard } = useStores();
  const review = useWizard((s) => s.review);
  const draft = useWizard((s) => s.draft);
  const accepted = useWizard((s) => s.accepted);
  const nameError = useWizard((s) => s.errors.name);
  const templates = useWizard((s) => s.templates);
  const chosen = review.placement?.chosen;
  // The proposal names the ISO it installs from (the one asked for, or one it found of the OS).
  const installMedia = chosen?.config.os.installMedia ?? draft.request.os.installMedia;
  return (
    <div className="wizard-review" aria-busy={review.checking}>
      {review.error && (
        <p className="field-error" role="alert" data-testid="review-error">
          {review.error}
        </p>
      )}
      {nameError && <p className="field-error">{nameError}</p>}
      <section aria-labelledby="placement-h">
        <h3 id="placement-h">Placement</h3>
        <p data-testid="placement-explanation">{review.placement?.explanation ?? (review.checking ? 'Checking the hosts…' : '')}</p>
        {review.placement && (
          <HostOverrideSelect
            label="Host"
            testId="placement-override"
            placement={review.placement}
            overrideHostId={review.overrideHostId}
            describe={(p) => `${p.changes.length ? `${p.changes.length} change${p.changes.length === 1 ? '' : 's'}` : 'exact'}, ${formatBytes(p.memoryLeftBytes)} left`}
            onChange={(hostId) => void wizard.getState().overrideHost(hostId)}
          />
        )}
      </section>
      <section aria-labelledby="match-h">
        <h3 id="match-h">Best match</h3>
        {chosen && chosen.changes.length === 0 && (
          <p data-testid="match-exact">
            {chosen.hostName} runs the VM exactly as asked{accepted.length > 0 ? ` (after the ${accepted.length} accepted change${accepted.length === 1 ? '' : 's'})` : ''}.
          </p>
        )}
        {chosen && chosen.changes.length > 0 && (
          <>
            <table className="wizard-diff" data-testid="match-diff">
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  <th scope="col">Asked</th>
                  <th scope="col">Proposed</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {chosen.changes.map((c) => (
                  <tr key={c.field} data-testid={`change-${c.field}`}>
                    <td>{c.field}</td>
                    <td>{c.from}</td>
                    <td>{c.to}</td>
                    <td>{c.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="wizard-row">
              <button type="button" className="btn btn-primary" data-testid="accept-match" onClick={() => void wizard.getState().acceptProposal()}>
                Accept the proposed match
              </button>
              <button type="button" className="btn" data-testid="edit-request" onClick={() => void wizard.getState().goTo('compose')}>
                Edit and check again
              </button>
            </div>
          </>
        )}
        {chosen?.notes.map((n) => (
          <p key={n} className="muted">
            {n}
          </p>
        ))}
      </section>
      <section aria-labelledby="summary-h">
        <h3 id="summary-h">What will be created</h3>
        <dl className="wizard-summary" data-testid="review-summary">
          <dt>Name</dt>
          <dd data-testid="review-name">{draft.name}</dd>
          <dt>OS</dt>
          <dd>{chosen?.osName ?? draft.request.os.osinfoId}</dd>
          <dt>vCPUs</dt>
          <dd data-testid="review-vcpus">{draft.request.hardware.vcpus}</dd>
          <dt>Memory</dt>
          <dd data-testid="review-memory">{formatMiB(draft.request.hardware.memoryMiB)}</dd>
          <dt>Disks</dt>
          <dd data-testid="review-disks">
            {draft.request.hardware.disks.map((d) => `${d.sizeGiB} GiB ${d.bus}`).join(', ')}
            {draft.request.os.source === 'install-media' ? ' (empty)' : ''}
          </dd>
          {deviceLines(
            chosen?.config.hardware ?? draft.request.hardware,
            chosen?.changes.map((c) => c.field) ?? [],
            templates.find((entry) => entry.template.id === draft.templateId)?.template.request.hardware,
          ).map((line) => (
            <DeviceLine key={line.key} label={line.label} value={line.value} testId={`review-${line.key}`} />
          ))}
          {draft.request.os.source === 'install-media' && (
            <>
              <dt>Installer</dt>
              <dd data-testid="review-install-media">
                {installMedia
                  ? `${mediaText(installMedia)}: a read-only CD-ROM, booted before the disk on the first run; when the installer reboots, Tandem starts the VM again from its disk.`
                  : 'No installer ISO found yet.'}{' '}
                No cloud-init seed: the installer does not read one.
              </dd>
            </>
          )}
          <dt>Applications</dt>
          <dd>{draft.request.apps.join(', ') || 'none'}</dd>
        </dl>
        <DomainXml xml={review.xml} firstBootXml={review.firstBootXml} error={review.xmlError} pending={review.checking || !!chosen} />
        <details>
          <summary>The request, as JSON</summary>
          <p className="muted">The request the domain XML is generated from.</p>
          <pre className="wizard-json" data-testid="review-request-json">
            {JSON.stringify(chosen ? chosen.config : draft.request, null, 2)}
          </pre>
        </details>
      </section>
      <SaveAsTemplate />
    </div>
  );
}

function DeviceLine({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </>
  );
}

function SaveAsTemplate() {
  const { wizard } = useStores();
  const state = useWizard((s) => s.templateSave);
  const [name, setName] = useState('');
  return (
    <section aria-labelledby="save-h">
      <h3 id="save-h">Save as a template</h3>
      <div className="wizard-row">
        <input className="input" aria-label="Template name" placeholder="My web server" data-testid="template-name" value={name} onChange={(e) => setName(e.target.value)} />
        <button type="button" className="btn" disabled={state.saving || !name.trim()} data-testid="save-template" onClick={() => void wizard.getState().saveAsTemplate(name)}>
          Save template
        </button>
      </div>
      {state.message && <p className="muted" data-testid="template-saved">{state.message}</p>}
      {state.error && <p className="field-error" role="alert">{state.error}</p>}
    </section>
  );
}

function DeployStep() {
  const { wizard } = useStores();
  const deploy = useWizard((s) => s.deploy);
  const job = useJobs((s) => (deploy.jobId ? s.jobs[deploy.jobId] : undefined));
  return (
    <div className="wizard-deploy" data-testid="deploy-status">
      {deploy.starting && <p>Starting the deploy…</p>}
      {deploy.error && (
        <>
          <p className="field-error" role="alert" data-testid="deploy-error">
            {deploy.error}
          </p>
          <button type="button" className="btn" onClick={() => void wizard.getState().goTo('review')}>
            Back to the review
          </button>
        </>
      )}
      {deploy.jobId && !job && <p>Deploy {deploy.jobId} queued.</p>}
      {job && <JobProgress job={job} />}
      {job?.state === 'succeeded' && <DeployedAddress job={job} />}
    </div>
  );
}

/**
 * The deployed VM's IP address: from the job when the guest had one before it ended, else the one announced
 * later (`vms.addressesFound`), else why it is not known (yet).
 */
function DeployedAddress({ job }: { job: Job }) {
  const report = DeployReportSchema.safeParse(job.result);
  const key = report.success ? guestAddressKey(report.data.hostId, report.data.uuid) : '';
  const later = useStore(useStores().guestAddresses, (s) => s.byVm[key]);
  if (!report.success) return null;
  const found = later?.find((a) => a.family === 'ipv4') ?? later?.[0];
  const address = report.data.address ?? found?.address;
  const note = report.data.address ? report.data.addressNote : found ? (found.source === 'lease' ? "from the network's DHCP lease" : 'from the guest agent') : report.data.addressNote;
  return (
    <p className="muted" data-testid="deploy-address">
      {address ? (
        <>
          Address: <strong>{address}</strong> ({note})
        </>
      ) : (
        note
      )}
    </p>
  );
}

// ---------------------------------------------------------------------------------------------------------

interface FieldProps {
  id: string;
  'aria-invalid': boolean;
  'aria-describedby'?: string;
}

/** A labelled field with its error under it (the error is the input's description for screen readers). */
function Field({ label, field, errors, wide, children }: { label: string; field: string; errors: Record<string, string>; wide?: boolean; children: (props: FieldProps) => ReactNode }) {
  const id = useId();
  const error = errors[field];
  const errorId = `${id}-error`;
  return (
    <label className={wide ? 'wizard-field wide' : 'wizard-field'} htmlFor={id}>
      {label}
      {children({ id, 'aria-invalid': !!error, ...(error ? { 'aria-describedby': errorId } : {}) })}
      {error && (
        <span className="field-error" id={errorId} data-testid={`error-${field}`}>
          {error}
        </span>
      )}
    </label>
  );
}

/** An emptied number field stays empty (NaN), and the schema says what is missing. */
function toNumber(text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text);
}

function numberValue(n: number): string | number {
  return Number.isNaN(n) ? '' : n;
}
