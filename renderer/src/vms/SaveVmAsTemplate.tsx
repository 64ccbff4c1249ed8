/**
 * "Save as template": the VM's hardware (and its OS, from its metadata or the field here) becomes a user
 * template of the wizard's catalog (`provisioning.templates.save` with `fromVm`). The answer, or the refusal
 * at its field, shows under the form.
 */
import { useState } from 'react';
import type { VmSummary } from '../../../preload/contract';
import { fieldErrorsOf, templateIdOf } from '../provisioning/wizardStore';
import { useStores } from '../stores/StoresContext';

export function SaveVmAsTemplate({ vm }: { vm: VmSummary }) {
  const { client, wizard } = useStores();
  const [name, setName] = useState(vm.name);
  const [osinfoId, setOsinfoId] = useState('');
  const [saving, setSaving] = useState(false);
  const [result, setResult] = useState<{ message?: string; notes?: string[]; error?: string; field?: string }>({});
  // Another VM selected: its own name, no answer of the previous one (state adjusted during render, as React
  // recommends; a `key` on this component left a second copy in the panel's DOM in the e2e run).
  const vmKey = `${vm.hostId}/${vm.uuid}`;
  const [shownFor, setShownFor] = useState(vmKey);
  if (shownFor !== vmKey) {
    setShownFor(vmKey);
    setName(vm.name);
    setOsinfoId('');
    setResult({});
  }

  const save = async () => {
    const id = templateIdOf(name);
    if (!id) {
      setResult({ error: 'a template name needs at least one letter or digit', field: 'name' });
      return;
    }
    setSaving(true);
    try {
      const saved = await client.call('provisioning.templates.save', {
        id,
        name: name.trim(),
        fromVm: { hostId: vm.hostId, uuid: vm.uuid },
        ...(osinfoId.trim() ? { osinfoId: osinfoId.trim() } : {}),
      });
      const notes = saved.origin?.kind === 'vm' ? (saved.origin.notes ?? []) : [];
      setResult({ message: `Saved as "${saved.name}" (${saved.id}): it is in the New VM catalog.`, notes });
      if (wizard.getState().open) void wizard.getState().loadCatalog();
    } catch (error) {
      const field = Object.keys(fieldErrorsOf(error) ?? {})[0];
      setResult({ error: error instanceof Error ? error.message : String(error), ...(field ? { field } : {}) });
    } finally {
      setSaving(false);
    }
  };

  return (
    <form
      className="detail-extra-actions"
      aria-label="Save as template"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <input
        className="input"
        data-testid="vm-template-name"
        aria-label="Template name"
        aria-invalid={result.field === 'name' || result.field === 'id'}
        value={name}
        maxLength={80}
        onChange={(e) => setName(e.target.value)}
      />
      <input
        className="input"
        data-testid="vm-template-os"
        aria-label="Operating system (osinfo id), if the VM does not say"
        aria-invalid={result.field === 'osinfoId'}
        placeholder="OS, e.g. debian12"
        value={osinfoId}
        onChange={(e) => setOsinfoId(e.target.value)}
      />
      <button type="submit" className="btn btn-small" data-testid="vm-save-template" disabled={saving}>
        Save as template
      </button>
      {result.message && (
        <p className="muted" role="status" data-testid="vm-template-saved">
          {result.message}
        </p>
      )}
      {result.notes && result.notes.length > 0 && (
        <ul className="muted" data-testid="vm-template-notes" aria-label="What the template does not keep as the VM has it">
          {result.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
      {result.error && (
        <p className="field-error" role="alert" data-testid="vm-template-error" data-field={result.field}>
          {result.error}
        </p>
      )}
    </form>
  );
}
