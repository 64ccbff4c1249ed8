import { useEffect, useId, useState, type FormEvent } from 'react';
import type { CredentialRequest } from '../../../preload/contract';
import { useCredentials, useStores } from '../stores/StoresContext';
import './credentials.css';

/** The first open credential request as a modal form; the typed values leave with the answer. */
export function CredentialDialog() {
  const request = useCredentials((state) => state.requests[0]);
  if (!request) return null;
  return <CredentialForm key={request.requestId} request={request} />;
}

function CredentialForm({ request }: { request: CredentialRequest }) {
  const { credentials } = useStores();
  const [values, setValues] = useState(() => request.fields.map((f) => f.defaultValue ?? ''));
  const [remember, setRemember] = useState(false);
  const titleId = useId();
  const baseId = useId();

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') void credentials.getState().cancel(request.requestId);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [credentials, request.requestId]);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void credentials.getState().answer(request.requestId, values, remember);
  }

  return (
    <div className="modal-backdrop">
      <form className="modal credential-dialog" role="dialog" aria-modal="true" aria-labelledby={titleId} data-testid="credential-dialog" onSubmit={submit}>
        <h2 id={titleId} className="modal-title">
          Credentials for {request.hostName}
        </h2>
        <p className="muted credential-uri">{request.uri}</p>
        {request.fields.map((field, i) => (
          <div key={`${field.kind}-${i}`} className="credential-field">
            <label className="field-label" htmlFor={`${baseId}-${i}`}>
              {field.prompt}
            </label>
            <input
              id={`${baseId}-${i}`}
              className="input"
              type={field.secret ? 'password' : 'text'}
              autoComplete="off"
              autoFocus={i === 0}
              data-testid={`credential-field-${field.kind}`}
              value={values[i] ?? ''}
              onChange={(event) => setValues((current) => current.map((v, j) => (j === i ? event.target.value : v)))}
            />
          </div>
        ))}
        <label className={request.canRemember ? 'credential-remember' : 'credential-remember muted'}>
          <input
            type="checkbox"
            data-testid="credential-remember"
            disabled={!request.canRemember}
            checked={remember}
            onChange={(event) => setRemember(event.target.checked)}
          />{' '}
          {request.canRemember ? 'Remember in the keychain' : 'No keychain available: you will be asked each time'}
        </label>
        <div className="modal-actions">
          <button type="button" className="btn" data-testid="credential-cancel" onClick={() => void credentials.getState().cancel(request.requestId)}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" data-testid="credential-submit">
            Connect
          </button>
        </div>
      </form>
    </div>
  );
}
