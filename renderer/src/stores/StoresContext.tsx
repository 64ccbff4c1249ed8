/**
 * Hands the window's stores to the components, and the hooks that read them with a selector (so each
 * component re-renders only when what it selected changes).
 */
import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { AppStores } from './appStores';
import type { AlertsState } from './alertsStore';
import type { ConnectionState } from './connectionStore';
import type { CredentialsState } from './credentialsStore';
import type { HostPageState } from './hostPageStore';
import type { ConsolesState } from './consolesStore';
import type { HostsState } from './hostsStore';
import type { JobsState } from './jobsStore';
import type { MonitoringState } from './monitoringStore';
import type { ToastState } from './toastStore';
import type { VmsState } from './vmsStore';
import type { WizardState } from '../provisioning/wizardStore';

const StoresContext = createContext<AppStores | null>(null);

export function StoresProvider({ stores, children }: { stores: AppStores; children: ReactNode }) {
  return <StoresContext.Provider value={stores}>{children}</StoresContext.Provider>;
}

export function useStores(): AppStores {
  const stores = useContext(StoresContext);
  if (!stores) throw new Error('useStores() outside <StoresProvider>');
  return stores;
}

export function useHosts<T>(selector: (state: HostsState) => T): T {
  return useStore(useStores().hosts, selector);
}

export function useVms<T>(selector: (state: VmsState) => T): T {
  return useStore(useStores().vms, selector);
}

export function useToasts<T>(selector: (state: ToastState) => T): T {
  return useStore(useStores().toasts, selector);
}

export function useConnection<T>(selector: (state: ConnectionState) => T): T {
  return useStore(useStores().connection, selector);
}

export function useMonitoring<T>(selector: (state: MonitoringState) => T): T {
  return useStore(useStores().monitoring, selector);
}

export function useAlerts<T>(selector: (state: AlertsState) => T): T {
  return useStore(useStores().alerts, selector);
}

export function useCredentials<T>(selector: (state: CredentialsState) => T): T {
  return useStore(useStores().credentials, selector);
}

export function useHostPage<T>(selector: (state: HostPageState) => T): T {
  return useStore(useStores().hostPage, selector);
}

export function useConsoles<T>(selector: (state: ConsolesState) => T): T {
  return useStore(useStores().consoles, selector);
}

export function useJobs<T>(selector: (state: JobsState) => T): T {
  return useStore(useStores().jobs, selector);
}

export function useWizard<T>(selector: (state: WizardState) => T): T {
  return useStore(useStores().wizard, selector);
}
