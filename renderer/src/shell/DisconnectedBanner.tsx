import { useConnection } from '../stores/StoresContext';

/** Shown once the WebSocket to Tandem has closed (browser mode); there is no auto-reconnect yet. */
export function DisconnectedBanner() {
  const closed = useConnection((state) => state.status === 'closed');
  if (!closed) return null;
  return (
    <div className="banner banner-error" role="alert" data-testid="disconnected-banner">
      <strong>Disconnected from Tandem.</strong> The connection to the Tandem server was closed; what you see
      may be out of date. Reload the page once the server is running again.
      <button type="button" className="btn btn-small" onClick={() => window.location.reload()}>
        Reload
      </button>
    </div>
  );
}
