import { useId, useState, type FormEvent } from 'react';
import type { HostSummary } from '../../../preload/contract';
import { useStores } from '../stores/StoresContext';

/** Rename a host or change its URI (main validates the URI and reconnects); errors show at the field. */
export function EditHostForm({ host, onDone }: { host: HostSummary; onDone: () => void }) {
  const { hosts } = useStores();
  const [name, setName] = useState(host.name);
  const [uri, setUri] = useState(host.uri);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const nameId = useId();
  const uriId = useId();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaving(true);
    const result = await hosts.getState().updateHost(host.id, {
      ...(name.trim() !== host.name ? { name } : {}),
      ...(uri.trim() !== host.uri ? { uri } : {}),
    });
    setSaving(false);
    if (result.ok) onDone();
    else setError(result.error.message);
  }

  return (
    <form className="host-edit" onSubmit={(event) => void submit(event)} noValidate data-testid={`host-edit-${host.id}`}>
      <label className="field-label" htmlFor={nameId}>
        Name
      </label>
      <input id={nameId} className="input" data-testid="host-edit-name" value={name} onChange={(e) => setName(e.target.value)} />
      <label className="field-label" htmlFor={uriId}>
        URI
      </label>
      <input
        id={uriId}
        className="input"
        data-testid="host-edit-uri"
        spellCheck={false}
        value={uri}
        aria-invalid={error ? true : undefined}
        onChange={(e) => {
          setUri(e.target.value);
          setError(null);
        }}
      />
      {error && (
        <p className="field-error" role="alert" data-testid="host-edit-error">
          {error}
        </p>
      )}
      <div className="host-actions">
        <button type="submit" className="btn btn-small btn-primary" data-testid="host-edit-save" disabled={saving}>
          {saving ? 'Saving…' : 'Save'}
        </button>
        <button type="button" className="btn btn-small" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
