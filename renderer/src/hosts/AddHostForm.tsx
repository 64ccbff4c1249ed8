import { useId, useState, type FormEvent } from 'react';
import { useStores } from '../stores/StoresContext';

/**
 * Adds a libvirt host by URI (and an optional display name). Validation is main's: the error it returns
 * (e.g. InvalidInput for a malformed URI) is shown under the field, and as a toast like every failure.
 */
export function AddHostForm() {
  const { hosts } = useStores();
  const [uri, setUri] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const uriId = useId();
  const nameId = useId();
  const errorId = useId();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) return;
    setSubmitting(true);
    setError(null);
    const result = await hosts.getState().addHost(uri, name);
    setSubmitting(false);
    if (result.ok) {
      setUri('');
      setName('');
    } else {
      setError(result.error.message);
    }
  }

  return (
    <form className="add-host" onSubmit={(event) => void submit(event)} noValidate aria-label="Add host">
      <h2 className="sidebar-heading">Add host</h2>
      <label className="field-label" htmlFor={uriId}>
        URI
      </label>
      <input
        id={uriId}
        className="input"
        type="text"
        data-testid="add-host-uri"
        placeholder="qemu+ssh://user@host/system"
        autoComplete="off"
        spellCheck={false}
        value={uri}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        onChange={(event) => {
          setUri(event.target.value);
          if (error) setError(null);
        }}
      />
      {error && (
        <p id={errorId} className="field-error" data-testid="add-host-error" role="alert">
          {error}
        </p>
      )}
      <label className="field-label" htmlFor={nameId}>
        Name <span className="muted">(optional)</span>
      </label>
      <input
        id={nameId}
        className="input"
        type="text"
        data-testid="add-host-name"
        placeholder="e.g. Lab server"
        autoComplete="off"
        value={name}
        onChange={(event) => setName(event.target.value)}
      />
      <button type="submit" className="btn btn-primary add-host-submit" data-testid="add-host-submit" disabled={submitting}>
        {submitting ? 'Adding…' : 'Add host'}
      </button>
    </form>
  );
}
