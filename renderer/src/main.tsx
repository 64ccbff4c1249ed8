/**
 * Renderer entry: picks the transport (Electron bridge or the browser-mode WebSocket), creates the stores
 * (which subscribe to the contract's events before anything is loaded), then renders the app.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connectContract } from './contractClient';
import { App } from './shell/App';
import { NoTokenPage } from './shell/NoTokenPage';
import { createAppStores } from './stores/appStores';
import { StoresProvider } from './stores/StoresContext';
import './styles/base.css';

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');
const root = createRoot(container);

const connection = connectContract();
if (connection.kind === 'no-token') {
  root.render(
    <StrictMode>
      <NoTokenPage />
    </StrictMode>,
  );
} else {
  const stores = createAppStores(connection.client);
  connection.onClose(() => stores.connection.getState().markClosed());
  window.addEventListener('pagehide', (event) => {
    if (!event.persisted) stores.dispose();
  });
  void stores.start();
  root.render(
    <StrictMode>
      <StoresProvider stores={stores}>
        <App />
      </StoresProvider>
    </StrictMode>,
  );
}
