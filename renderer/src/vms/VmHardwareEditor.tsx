/**
 * The editable hardware of the selected VM (`vms.hardware` / `vms.editHardware`): vCPUs, memory, boot
 * order, autostart, disks and NICs. Main validates and answers with field errors (shown at their inputs,
 * nothing changed) or with where each change took effect (now, at the next boot, or both).
 */
import { useEffect, useState, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { MemoryUnit, VmSummary } from '../../../preload/contract';
import { useStores } from '../stores/StoresContext';
import { createHardwareEditorStore } from './hardwareEditorStore';
import { APPLIED_LABELS, BOOT_DEVICE_LABELS, MEMORY_UNITS, changesFromForm, fieldLabel } from './hardwareForm';

export function VmHardwareEditor({ vm }: { vm: VmSummary }) {
  const { client } = useStores();
  // The state and its races (stale reads, reading again after an edit) live in the store, unit-tested.
  const [store] = useState(() => createHardwareEditorStore(client));
  const { hardware, form, errors, status, loadError, update, reset, apply } = useStore(store);

  // Read when the VM changes (state, vCPUs...); edits in progress are replaced by what the VM now has.
  useEffect(() => {
    void store.getState().show({ hostId: vm.hostId, uuid: vm.uuid });
  }, [store, vm.hostId, vm.uuid, vm.state, vm.vcpus, vm.memoryKiB]);

  if (loadError) return <p className="detail-error">Could not read the hardware: {loadError}</p>;
  if (!hardware || !form) return <p className="muted">Reading the hardware…</p>;

  const { changes } = changesFromForm(form, hardware);
  const dirty = Object.keys(changes).length > 0;

  const moveBoot = (index: number) => {
    if (index === 0) return;
    const boot = [...form.boot];
    [boot[index - 1], boot[index]] = [boot[index]!, boot[index - 1]!];
    update({ boot });
  };

  return (
    <form
      className="hw-form"
      noValidate
      data-testid="vm-hardware"
      onSubmit={(event) => {
        event.preventDefault();
        void apply();
      }}
    >
      {!hardware.persistent && <p className="muted">A transient VM: changes apply to the running VM only.</p>}
      {hardware.pendingNextBoot.length > 0 && (
        <p className="hw-pending" data-testid="hw-pending">
          Saved for the next boot: {hardware.pendingNextBoot.map(fieldLabel).join(', ')}.
        </p>
      )}
      <div className="hw-grid">
        <Field label="vCPUs" field="vcpus.current" errors={errors}>
          <input className="input hw-num" type="number" min={1} data-testid="hw-vcpus" value={form.vcpuCurrent} onChange={(e) => update({ vcpuCurrent: e.target.value })} />
        </Field>
        <Field label="Max vCPUs" field="vcpus.max" errors={errors} hint={`host: ${hardware.limits.hostCpus}`}>
          <input className="input hw-num" type="number" min={1} data-testid="hw-vcpus-max" value={form.vcpuMax} onChange={(e) => update({ vcpuMax: e.target.value })} />
        </Field>
        <Field label="Memory" field="memory.current" errors={errors}>
          <MemoryInput value={form.memoryCurrent} unit={form.memoryCurrentUnit} testId="hw-memory" onChange={(value, unit) => update({ memoryCurrent: value, memoryCurrentUnit: unit })} />
        </Field>
        <Field label="Max memory" field="memory.max" errors={errors}>
          <MemoryInput value={form.memoryMax} unit={form.memoryMaxUnit} testId="hw-memory-max" onChange={(value, unit) => update({ memoryMax: value, memoryMaxUnit: unit })} />
        </Field>
      </div>

      <Field label="Boot order" field="bootOrder" errors={errors}>
        <ol className="hw-boot">
          {form.boot.map((entry, index) => (
            <li key={entry.dev}>
              <label>
                <input
                  type="checkbox"
                  data-testid={`hw-boot-${entry.dev}`}
                  checked={entry.on}
                  onChange={(e) => update({ boot: form.boot.map((b) => (b.dev === entry.dev ? { ...b, on: e.target.checked } : b)) })}
                />{' '}
                {BOOT_DEVICE_LABELS[entry.dev]}
              </label>
              {index > 0 && (
                <button type="button" className="btn btn-small btn-ghost" aria-label={`Boot ${BOOT_DEVICE_LABELS[entry.dev]} earlier`} onClick={() => moveBoot(index)}>
                  ↑
                </button>
              )}
            </li>
          ))}
        </ol>
      </Field>

      <Field label="Autostart" field="autostart" errors={errors}>
        <label>
          <input type="checkbox" data-testid="hw-autostart" checked={form.autostart} onChange={(e) => update({ autostart: e.target.checked })} /> Start with the host
        </label>
      </Field>

      {hardware.disks.length > 0 && (
        <table className="mini-table hw-devices">
          <thead>
            <tr>
              <th scope="col">Disk</th>
              <th scope="col">Medium / source</th>
              <th scope="col">Remove</th>
            </tr>
          </thead>
          <tbody>
            {hardware.disks.map((disk) => {
              const edit = form.disks[disk.target]!;
              const removable = disk.device === 'cdrom' || disk.device === 'floppy';
              const error = errors[`disks.${disk.target}`];
              return (
                <tr key={disk.target}>
                  <td>
                    <code>{disk.target}</code> {disk.device}
                    {disk.bus && <span className="muted"> ({disk.bus})</span>}
                  </td>
                  <td className="cell-wrap">
                    {removable ? (
                      <input
                        className="input"
                        placeholder="empty drive"
                        aria-label={`Medium of ${disk.target}`}
                        value={edit.source}
                        onChange={(e) => update({ disks: { ...form.disks, [disk.target]: { ...edit, source: e.target.value } } })}
                      />
                    ) : (
                      (disk.source ?? '—')
                    )}
                    {error && (
                      <span className="field-error" role="alert" data-testid={`hw-error-disks.${disk.target}`}>
                        {error}
                      </span>
                    )}
                  </td>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Remove ${disk.target}`}
                      checked={edit.remove}
                      onChange={(e) => update({ disks: { ...form.disks, [disk.target]: { ...edit, remove: e.target.checked } } })}
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}

      {hardware.nics.length > 0 && (
        <table className="mini-table hw-devices">
          <thead>
            <tr>
              <th scope="col">Interface</th>
              <th scope="col">Link</th>
              <th scope="col">Remove</th>
            </tr>
          </thead>
          <tbody>
            {hardware.nics.map((nic) => {
              const edit = form.nics[nic.mac]!;
              const error = errors[`nics.${nic.mac}`];
              return (
                <tr key={nic.mac}>
                  <td>
                    <code>{nic.mac}</code> {nic.source ?? nic.type}
                    {nic.model && <span className="muted"> ({nic.model})</span>}
                    {error && (
                      <span className="field-error" role="alert" data-testid={`hw-error-nics.${nic.mac}`}>
                        {error}
                      </span>
                    )}
                  </td>
                  <td>
                    <select
                      className="input"
                      aria-label={`Link of ${nic.mac}`}
                      value={edit.linkState}
                      onChange={(e) => update({ nics: { ...form.nics, [nic.mac]: { ...edit, linkState: e.target.value as 'up' | 'down' } } })}
                    >
                      <option value="up">up</option>
                      <option value="down">down</option>
                    </select>
                  </td>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Remove ${nic.mac}`}
                      checked={edit.remove}
                      onChange={(e) => update({ nics: { ...form.nics, [nic.mac]: { ...edit, remove: e.target.checked } } })}
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}

      <div className="hw-actions">
        <button type="submit" className="btn btn-primary" data-testid="hw-apply" disabled={!dirty || status.kind === 'saving'}>
          {status.kind === 'saving' ? 'Applying…' : 'Apply changes'}
        </button>
        <button
          type="button"
          className="btn"
          disabled={!dirty}
          onClick={reset}
        >
          Reset
        </button>
      </div>
      {status.kind === 'saved' && (
        <ul className="plain-list hw-results" role="status" data-testid="hw-results">
          {status.results.map((result) => (
            <li key={result.field} data-testid={`hw-result-${result.field}`} data-applied={result.applied}>
              {fieldLabel(result.field)}: {APPLIED_LABELS[result.applied]}
              {result.note && <span className="muted"> ({result.note})</span>}
            </li>
          ))}
        </ul>
      )}
      {status.kind === 'failed' && (
        <p className="detail-error" role="alert" data-testid="hw-failed">
          {status.message}
        </p>
      )}
    </form>
  );
}

function Field({ label, field, errors, hint, children }: { label: string; field: string; errors: Record<string, string>; hint?: string; children: ReactNode }) {
  const error = errors[field];
  return (
    <div className={error ? 'hw-field has-error' : 'hw-field'}>
      <span className="hw-label">
        {label}
        {hint && <span className="muted"> ({hint})</span>}
      </span>
      {children}
      {error && (
        <span className="field-error" role="alert" data-testid={`hw-error-${field}`}>
          {error}
        </span>
      )}
    </div>
  );
}

function MemoryInput({ value, unit, testId, onChange }: { value: string; unit: MemoryUnit; testId: string; onChange(value: string, unit: MemoryUnit): void }) {
  return (
    <span className="hw-memory">
      <input className="input hw-num" type="number" min={0} step="any" data-testid={testId} value={value} onChange={(e) => onChange(e.target.value, unit)} />
      <select className="input" aria-label="Unit" data-testid={`${testId}-unit`} value={unit} onChange={(e) => onChange(value, e.target.value as MemoryUnit)}>
        {MEMORY_UNITS.map((u) => (
          <option key={u} value={u}>
            {u}
          </option>
        ))}
      </select>
    </span>
  );
}
