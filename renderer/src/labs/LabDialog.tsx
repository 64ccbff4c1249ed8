/**
 * "Deploy a lab": the lab network -> its VMs -> review (the host for all of them, explained, with an
 * override) -> deploy (one job, its progress, then what it left: the lab running, or what the rollback
 * removed). Keyboard: Enter goes on (not on buttons), Escape closes, the steps are a tab list, the first
 * field of each step takes the focus. State lives in labStore.
 */
import { useCallback, useRef, useState, type KeyboardEvent } from 'react';
import { useStore } from 'zustand';
import { LabReportSchema } from '../../../preload/api/labs';
import type { Job } from '../../../preload/api/jobs';
import type { NetworkMode } from '../../../preload/api/networks';
import { formatBytes, formatMiB } from '../format';
import { JobProgress } from '../jobs/JobProgress';
import { FormField } from '../networks/FormField';
import { ForwardDeviceField } from '../networks/ForwardDeviceField';
import { MODE_LABELS } from '../networks/NetworkDialog';
import { useDialogFocus } from '../networks/useDialogFocus';
import { HostOverrideSelect, useEscapeToClose, useFocusFirstField, WizardDialog, WizardFooterButtons, WizardStepTabs } from '../provisioning/wizardFrame';
import { useHosts, useJobs, useStores } from '../stores/StoresContext';
import { LAB_STEP_LABELS, LAB_STEPS, MAX_LAB_VMS, stepOfField, type LabState, type LabStep } from './labStore';
import '../provisioning/provisioning.css'; // the .wizard* frame classes it shares with the New VM wizard
import '../networks/networks.css';
import './labs.css';

function useLab<T>(selector: (state: LabState) => T): T {
  return useStore(useStores().labs, selector);
}

/** Rendered once by the shell; shows the dialog while it is open. */
export function LabDialogHost() {
  const open = useLab((s) => s.open);
  return open ? <LabDialog /> : null;
}

/** The toolbar's entry to the dialog. */
export function NewLabButton() {
  const { labs } = useStores();
  return (
    <button type="button" className="btn" data-testid="new-lab" onClick={() => labs.getState().openLab()}>
      New lab
    </button>
  );
}

function LabDialog() {
  const { labs } = useStores();
  const step = useLab((s) => s.step);
  const dialogRef = useRef<HTMLDivElement>(null);
  useDialogFocus(dialogRef);

  useFocusFirstField(dialogRef, '.lab-body input, .lab-body select, .lab-body button', step);
  const close = useCallback(() => labs.getState().close(), [labs]);
  useEscapeToClose(close);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key !== 'Enter' || event.defaultPrevented) return;
    const target = event.target as HTMLElement;
    if (target.tagName === 'BUTTON' || target.tagName === 'A' || target.tagName === 'SELECT') return;
    // Enter in the "add VMs" controls adds them; on review, deploying takes its button.
    if (target.closest('[data-enter="local"]') || step === 'review' || step === 'deploy') return;
    event.preventDefault();
    void labs.getState().next();
  };

  return (
    <WizardDialog
      dialogRef={dialogRef}
      className="wizard lab-dialog"
      titleId="lab-title"
      title="Deploy a lab"
      testId="lab-dialog"
      closeTestId="lab-close"
      onClose={close}
      onKeyDown={onKeyDown}
    >
      <StepTabs step={step} />
      <div className="wizard-body lab-body" data-testid={`lab-step-${step}`}>
        {step === 'lab' && <LabStepView />}
        {step === 'vms' && <VmsStep />}
        {step === 'review' && <ReviewStep />}
        {step === 'deploy' && <DeployStep />}
      </div>
      <Footer step={step} />
    </WizardDialog>
  );
}

function StepTabs({ step }: { step: LabStep }) {
  const { labs } = useStores();
  return <WizardStepTabs steps={LAB_STEPS} labels={LAB_STEP_LABELS} current={step} testIdPrefix="lab-tab-" onSelect={(s) => void labs.getState().goTo(s)} />;
}

function Footer({ step }: { step: LabStep }) {
  const { labs } = useStores();
  const canDeploy = useLab((s) => !!s.review.placement?.chosen && !s.review.checking && Object.keys(s.errors).length === 0);
  if (step === 'deploy') return null;
  return (
    <WizardFooterButtons
      onBack={() => labs.getState().back()}
      backDisabled={step === 'lab'}
      backTestId="lab-back"
      forward={
        step === 'review'
          ? { label: 'Deploy the lab', testId: 'lab-deploy', disabled: !canDeploy, onClick: () => void labs.getState().startDeploy() }
          : { label: 'Next', testId: 'lab-next', onClick: () => void labs.getState().next() }
      }
    />
  );
}

function LabStepView() {
  const { labs } = useStores();
  const draft = useLab((s) => s.draft);
  const errors = useLab((s) => s.errors);
  return (
    <div className="wizard-form">
      <p className="muted">A lab is a new private network and VMs on it, deployed together on one host. If anything fails, everything it created is removed.</p>
      <FormField label="Lab name (its network's name too)" error={errors.name} testId="lab-error-name">
        {(props) => (
          <input
            {...props}
            className="input"
            autoComplete="off"
            data-testid="lab-field-name"
            value={draft.name}
            onChange={(e) => labs.getState().setLab({ name: e.target.value })}
          />
        )}
      </FormField>
      <FormField label="Private network, IPv4 subnet" error={errors.subnet} testId="lab-error-subnet" hint="The host takes the first address; DHCP hands out the rest.">
        {(props) => (
          <input
            {...props}
            className="input"
            autoComplete="off"
            placeholder="10.90.0.0/24"
            data-testid="lab-field-subnet"
            value={draft.subnet}
            onChange={(e) => labs.getState().setLab({ subnet: e.target.value })}
          />
        )}
      </FormField>
      <FormField label="Network mode" error={errors.mode} testId="lab-error-mode">
        {(props) => (
          <select
            {...props}
            className="input"
            data-testid="lab-field-mode"
            value={draft.mode}
            onChange={(e) => labs.getState().setLab({ mode: e.target.value as NetworkMode })}
          >
            {(Object.keys(MODE_LABELS) as NetworkMode[]).map((mode) => (
              <option key={mode} value={mode}>
                {MODE_LABELS[mode]}
              </option>
            ))}
          </select>
        )}
      </FormField>
      {draft.mode !== 'isolated' && (
        <ForwardDeviceField
          value={draft.forwardDevice}
          error={errors.forwardDevice}
          onChange={(forwardDevice) => labs.getState().setLab({ forwardDevice })}
          hint="The host interface the lab's traffic leaves by; empty: whichever the host's routes choose."
          fieldTestId="lab-field-forward"
          errorTestId="lab-error-forwardDevice"
        />
      )}
    </div>
  );
}

function VmsStep() {
  const { labs } = useStores();
  const draft = useLab((s) => s.draft);
  const errors = useLab((s) => s.errors);
  const templates = useLab((s) => s.templates);
  const catalogError = useLab((s) => s.catalogError);
  const [templateId, setTemplateId] = useState('');
  const [count, setCount] = useState('2');
  const chosenTemplate = templateId || templates[0]?.template.id || '';
  const countValue = Number(count);
  const room = MAX_LAB_VMS - draft.vms.length;
  const countError =
    room === 0
      ? `the lab has its ${MAX_LAB_VMS} VMs`
      : count.trim() === '' || !Number.isInteger(countValue) || countValue < 1 || countValue > room
        ? `a whole number from 1 to ${room}`
        : undefined;
  const countValid = countError === undefined;
  const add = () => {
    if (chosenTemplate && countValid) labs.getState().addVms(chosenTemplate, countValue);
  };
  const rowError = (i: number) =>
    Object.entries(errors)
      .filter(([field]) => field.startsWith(`vms.${i}.`) && field !== `vms.${i}.name` && field !== `vms.${i}.templateId`)
      .map(([, message]) => message)
      .join('; ');
  return (
    <div className="wizard-form">
      {catalogError && (
        <p className="field-error" role="alert">
          {catalogError}
        </p>
      )}
      <fieldset>
        <legend>Add VMs</legend>
        <div className="net-row lab-add" data-enter="local" onKeyDown={(e) => e.key === 'Enter' && (e.preventDefault(), add())}>
          <label className="form-field">
            <span className="form-label">Template</span>
            <select className="input" data-testid="lab-add-template" value={chosenTemplate} onChange={(e) => setTemplateId(e.target.value)}>
              {templates.map((t) => (
                <option key={`${t.source}/${t.template.id}`} value={t.template.id}>
                  {t.template.name} ({t.osName ?? t.template.request.os.osinfoId}, {t.template.request.hardware.vcpus} vCPU,{' '}
                  {formatMiB(t.template.request.hardware.memoryMiB)})
                </option>
              ))}
            </select>
          </label>
          <FormField label="How many" error={countError} testId="lab-error-count">
            {(props) => (
              <input
                {...props}
                className="input lab-count"
                type="number"
                min={1}
                max={Math.max(1, room)}
                data-testid="lab-add-count"
                value={count}
                onChange={(e) => setCount(e.target.value)}
              />
            )}
          </FormField>
          <button type="button" className="btn" data-testid="lab-add" disabled={!chosenTemplate || !countValid} onClick={add}>
            Add
          </button>
        </div>
      </fieldset>
      <fieldset>
        <legend>
          VMs ({draft.vms.length} of at most {MAX_LAB_VMS}): each gets one interface on the lab network
        </legend>
        {errors.vms && (
          <p className="field-error" data-testid="lab-error-vms">
            {errors.vms}
          </p>
        )}
        <ol className="lab-vms" data-testid="lab-vms">
          {draft.vms.map((vm, i) => (
            <li key={i} className="lab-vm" data-testid={`lab-vm-${i}`}>
              <div className="net-row">
                <FormField label={`VM ${i + 1} name`} error={errors[`vms.${i}.name`]} testId={`lab-error-vms.${i}.name`}>
                  {(props) => (
                    <input
                      {...props}
                      className="input"
                      autoComplete="off"
                      data-testid={`lab-vm-${i}-name`}
                      value={vm.name}
                      onChange={(e) => labs.getState().updateVm(i, { name: e.target.value })}
                    />
                  )}
                </FormField>
                <FormField label="Template" error={errors[`vms.${i}.templateId`]} testId={`lab-error-vms.${i}.templateId`}>
                  {(props) => (
                    <select
                      {...props}
                      className="input"
                      data-testid={`lab-vm-${i}-template`}
                      value={vm.templateId}
                      onChange={(e) => labs.getState().updateVm(i, { templateId: e.target.value })}
                    >
                      {templates.map((t) => (
                        <option key={`${t.source}/${t.template.id}`} value={t.template.id}>
                          {t.template.name}
                        </option>
                      ))}
                    </select>
                  )}
                </FormField>
                <button
                  type="button"
                  className="btn btn-quiet btn-small lab-remove"
                  aria-label={`Remove ${vm.name || `VM ${i + 1}`}`}
                  data-testid={`lab-vm-${i}-remove`}
                  onClick={() => labs.getState().removeVm(i)}
                >
                  Remove
                </button>
              </div>
              {rowError(i) && (
                <p className="field-error" data-testid={`lab-error-vms.${i}`}>
                  {rowError(i)}
                </p>
              )}
            </li>
          ))}
        </ol>
      </fieldset>
      <fieldset>
        <legend>Gateway</legend>
        <label className="inline">
          <input
            type="checkbox"
            data-testid="lab-gateway"
            checked={draft.gateway.enabled}
            onChange={(e) =>
              labs.getState().setGateway({ enabled: e.target.checked, ...(e.target.checked && !draft.gateway.vm && draft.vms[0] ? { vm: draft.vms[0].name } : {}) })
            }
          />{' '}
          One VM is the lab's gateway: it also gets an interface on an existing network
        </label>
        {draft.gateway.enabled && (
          <div className="net-row">
            <FormField label="Gateway VM" error={errors['gateway.vm']} testId="lab-error-gateway.vm">
              {(props) => (
                <select
                  {...props}
                  className="input"
                  data-testid="lab-gateway-vm"
                  value={draft.gateway.vm}
                  onChange={(e) => labs.getState().setGateway({ vm: e.target.value })}
                >
                  <option value="">Choose…</option>
                  {draft.vms.map((vm, i) => (
                    <option key={i} value={vm.name}>
                      {vm.name}
                    </option>
                  ))}
                </select>
              )}
            </FormField>
            <FormField
              label="Its uplink network"
              error={errors['gateway.uplink']}
              testId="lab-error-gateway.uplink"
              hint="An existing network of the host, e.g. libvirt's NAT network default."
            >
              {(props) => (
                <input
                  {...props}
                  className="input"
                  autoComplete="off"
                  data-testid="lab-gateway-uplink"
                  value={draft.gateway.uplink}
                  onChange={(e) => labs.getState().setGateway({ uplink: e.target.value })}
                />
              )}
            </FormField>
          </div>
        )}
      </fieldset>
      <fieldset>
        <legend>Account in every VM (optional)</legend>
        <div className="net-row">
          <FormField label="User name" error={errors['account.username']} testId="lab-error-account.username">
            {(props) => (
              <input
                {...props}
                className="input"
                autoComplete="off"
                data-testid="lab-username"
                value={draft.account.username}
                onChange={(e) => labs.getState().setAccount({ username: e.target.value })}
              />
            )}
          </FormField>
          <FormField label="SSH public key" error={errors['account.sshKey']} testId="lab-error-account.sshKey">
            {(props) => (
              <input
                {...props}
                className="input"
                autoComplete="off"
                placeholder="ssh-ed25519 AAAA… you@host"
                data-testid="lab-sshkey"
                value={draft.account.sshKey}
                onChange={(e) => labs.getState().setAccount({ sshKey: e.target.value })}
              />
            )}
          </FormField>
        </div>
      </fieldset>
    </div>
  );
}

function ReviewStep() {
  const { labs } = useStores();
  const review = useLab((s) => s.review);
  const draft = useLab((s) => s.draft);
  const errors = useLab((s) => s.errors);
  const placement = review.placement;
  const chosen = placement?.chosen;
  const problems = Object.entries(errors);
  return (
    <div className="wizard-review" aria-busy={review.checking}>
      {review.error && (
        <p className="field-error" role="alert" data-testid="lab-review-error">
          {review.error}
        </p>
      )}
      {problems.length > 0 && (
        <ul className="lab-problems" data-testid="lab-review-problems">
          {problems.map(([field, message]) => (
            <li key={field} className="field-error" data-field={field}>
              {message}{' '}
              <button type="button" className="btn btn-quiet btn-small" onClick={() => void labs.getState().goTo(stepOfField(field))}>
                Fix
              </button>
            </li>
          ))}
        </ul>
      )}
      <section aria-labelledby="lab-placement-h">
        <h3 id="lab-placement-h">Host</h3>
        <p data-testid="lab-placement">{placement?.explanation ?? (review.checking ? 'Checking the hosts…' : '')}</p>
        {placement && (
          <HostOverrideSelect
            label="Deploy on"
            testId="lab-host"
            placement={placement}
            overrideHostId={review.overrideHostId}
            describe={(p) => `${formatBytes(p.memoryLeftBytes)} left after the lab`}
            onChange={(hostId) => void labs.getState().overrideHost(hostId)}
          />
        )}
      </section>
      <section aria-labelledby="lab-summary-h">
        <h3 id="lab-summary-h">What will be created</h3>
        <dl className="wizard-summary" data-testid="lab-summary">
          <dt>Network</dt>
          <dd data-testid="lab-summary-network">
            {draft.name} · {draft.mode}
            {draft.mode !== 'isolated' && draft.forwardDevice.trim() ? ` via ${draft.forwardDevice.trim()}` : ''} · {draft.subnet}
          </dd>
          {draft.gateway.enabled && (
            <>
              <dt>Gateway</dt>
              <dd>
                {draft.gateway.vm}, also on {draft.gateway.uplink}
              </dd>
            </>
          )}
        </dl>
        {chosen && (
          <table className="wizard-diff" data-testid="lab-summary-vms">
            <thead>
              <tr>
                <th scope="col">VM</th>
                <th scope="col">OS</th>
                <th scope="col">vCPUs</th>
                <th scope="col">Memory</th>
                <th scope="col">Changes on {chosen.hostName}</th>
              </tr>
            </thead>
            <tbody>
              {chosen.vms.map((vm) => (
                <tr key={vm.name} data-testid={`lab-summary-vm-${vm.name}`}>
                  <td>{vm.name}</td>
                  <td>{vm.proposal.osName}</td>
                  <td>{vm.proposal.config.hardware.vcpus}</td>
                  <td>{formatMiB(vm.proposal.config.hardware.memoryMiB)}</td>
                  <td>{vm.proposal.changes.length ? vm.proposal.changes.map((c) => c.text).join('; ') : 'as asked'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

function DeployStep() {
  const { labs, topology } = useStores();
  const deploy = useLab((s) => s.deploy);
  const errors = useLab((s) => s.errors);
  const job = useJobs((s) => (deploy.jobId ? s.jobs[deploy.jobId] : undefined));
  const firstField = Object.keys(errors)[0];
  return (
    <div className="wizard-deploy" data-testid="lab-deploy-status">
      {deploy.starting && <p>Starting the lab…</p>}
      {deploy.error && (
        <>
          <p className="field-error" role="alert" data-testid="lab-deploy-error">
            {deploy.error}
          </p>
          <button type="button" className="btn" data-testid="lab-deploy-fix" onClick={() => void labs.getState().goTo(firstField ? stepOfField(firstField) : 'review')}>
            Back to {LAB_STEP_LABELS[firstField ? stepOfField(firstField) : 'review'].toLowerCase()}
          </button>
        </>
      )}
      {deploy.jobId && !job && <p>Lab job {deploy.jobId} queued.</p>}
      {job && <JobProgress job={job} />}
      {job && <LabOutcome job={job} lastStep={deploy.lastStep} onShowTopology={() => (labs.getState().close(), topology.getState().show(true))} />}
    </div>
  );
}

/** How the lab's job ended, in words: what runs, or what the rollback removed (or could not). */
function LabOutcome({ job, lastStep, onShowTopology }: { job: Job; lastStep: string | undefined; onShowTopology: () => void }) {
  const hostName = useHosts((s) => (job.targets[0] ? (s.hosts[job.targets[0].hostId]?.name ?? job.targets[0].hostId) : ''));
  if (job.state === 'succeeded') {
    const report = LabReportSchema.safeParse(job.result);
    return (
      <div className="lab-outcome" data-testid="lab-outcome" data-outcome="running">
        <p>
          The lab runs on {hostName}
          {report.success ? `: network ${report.data.network}` : ''}.
        </p>
        {report.success && (
          <ul data-testid="lab-outcome-vms">
            {report.data.vms.map((vm) => (
              <li key={vm.uuid}>
                {vm.name}: {vm.address ?? vm.addressNote}
              </li>
            ))}
          </ul>
        )}
        <button type="button" className="btn btn-primary" data-testid="lab-show-topology" onClick={onShowTopology}>
          Show in the topology
        </button>
      </div>
    );
  }
  if (job.state === 'failed' || job.state === 'cancelled') {
    const left = job.error?.code === 'deploy.rollback-incomplete' && Array.isArray(job.error.details?.left) ? (job.error.details.left as string[]) : undefined;
    return (
      <div className="lab-outcome" data-testid="lab-outcome" data-outcome={left ? 'left-behind' : 'removed'}>
        {job.state === 'failed' && lastStep && <p data-testid="lab-outcome-step">It failed at {lastStep}.</p>}
        {left ? (
          <p className="field-error">
            These could not be removed from {hostName}: {left.join('; ')}.
          </p>
        ) : (
          <p>Nothing of the lab is left on {hostName}: its network, VMs and their volumes were removed.</p>
        )}
      </div>
    );
  }
  return null;
}
