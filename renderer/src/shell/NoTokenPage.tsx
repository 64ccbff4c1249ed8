import './shell.css';

/** Browser mode without an access token (and no Electron bridge): nothing to talk to. */
export function NoTokenPage() {
  return (
    <div className="fullpage-message" role="alert">
      <div className="fullpage-card">
        <h1>Tandem</h1>
        <p className="fullpage-lead">
          Open the URL that <code>npm start</code> printed (it carries the access token).
        </p>
        <p className="muted">
          For your safety the Tandem server only answers pages that present the token from that URL, e.g.{' '}
          <code>http://127.0.0.1:PORT/?token=…</code>. Copy it from the terminal where Tandem is running.
        </p>
      </div>
    </div>
  );
}
