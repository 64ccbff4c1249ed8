/**
 * The console tabs of this window (serial and VNC, of any VMs). A tab is opened through the contract
 * (`consoles.open`: authorisation, a console id and a one-time ticket); its pane then redeems the ticket on
 * the byte channel. `consoles.closed` marks a tab closed with the reason (VM stopped, taken over...): the
 * tab stays, saying why, until the user closes it or reconnects. A VM that migrated: the tab names the host it
 * went to and reopens the console there (the tab follows the VM).
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { ContractCallError } from '../../../preload/client';
import type { ContractClient, VmSummary } from '../../../preload/contract';
import type { ToastStore } from './toastStore';

export type ConsoleKind = 'serial' | 'vnc';

export interface ConsoleTab {
  /** Stable for the tab's life, across reconnects. */
  tabId: string;
  hostId: string;
  uuid: string;
  vmName: string;
  kind: ConsoleKind;
  /** The current console; null while (re)opening. */
  consoleId: string | null;
  /** For the pane to redeem once on the byte channel; kept after the console closed, so its pane (the
   * terminal's scrollback, the last screen) stays readable until the tab is closed or reconnected. */
  ticket: string | null;
  status: 'opening' | 'open' | 'closed';
  /** Why the console closed (shown in the tab). */
  closedMessage: string | null;
  /** The VM migrated to this host (the console closed as `vm-moved`): the tab offers to open it there. */
  movedTo: { hostId: string; hostName: string } | null;
}

/** A serial console held by another program: offered to take over. */
export interface BusyConsole {
  vm: Pick<VmSummary, 'hostId' | 'uuid' | 'name'>;
  message: string;
}

export interface ConsolesState {
  tabs: ConsoleTab[];
  activeTabId: string | null;
  /** The consoles view is shown instead of the VM table. */
  visible: boolean;
  busy: BusyConsole | null;
  /** Opens a console of the VM in a new tab (or shows its open tab of that kind). */
  open(vm: Pick<VmSummary, 'hostId' | 'uuid' | 'name'>, kind: ConsoleKind, options?: { force?: boolean }): Promise<void>;
  /** Opens a closed tab's console again. */
  reconnect(tabId: string): Promise<void>;
  /** Opens a tab's console on the host its VM migrated to (the tab follows the VM). */
  openWhereMoved(tabId: string): Promise<void>;
  closeTab(tabId: string): Promise<void>;
  /** The pane's byte channel of `consoleId` closed (the message says why, if the server said). */
  channelClosed(tabId: string, consoleId: string, message: string): void;
  activate(tabId: string): void;
  show(visible: boolean): void;
  dismissBusy(): void;
}

export type ConsolesStore = StoreApi<ConsolesState> & { dispose(): void };

const KIND_LABEL: Record<ConsoleKind, string> = { serial: 'serial console', vnc: 'graphical console' };

export function consoleTabTitle(tab: Pick<ConsoleTab, 'vmName' | 'kind'>): string {
  return `${tab.vmName} · ${tab.kind === 'serial' ? 'serial' : 'VNC'}`;
}

export function createConsolesStore(client: ContractClient, toasts: ToastStore): ConsolesStore {
  let nextTab = 1;
  const patchTab = (tabId: string, patch: Partial<ConsoleTab>) =>
    store.setState((s) => ({ tabs: s.tabs.map((t) => (t.tabId === tabId ? { ...t, ...patch } : t)) }));

  async function connect(tabId: string, force: boolean): Promise<void> {
    const tab = store.getState().tabs.find((t) => t.tabId === tabId);
    if (!tab) return;
    patchTab(tabId, { status: 'opening', consoleId: null, ticket: null, closedMessage: null, movedTo: null });
    try {
      const opened = await client.call('consoles.open', { hostId: tab.hostId, uuid: tab.uuid, kind: tab.kind, ...(force ? { force } : {}) });
      if (!store.getState().tabs.some((t) => t.tabId === tabId)) {
        // Closed while opening: release it at once.
        await client.call('consoles.close', { consoleId: opened.consoleId }).catch(() => undefined);
        return;
      }
      patchTab(tabId, { status: 'open', consoleId: opened.consoleId, ticket: opened.ticket });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      patchTab(tabId, { status: 'closed', closedMessage: message });
      if (error instanceof ContractCallError && error.code === 'console.busy') {
        store.setState({ busy: { vm: { hostId: tab.hostId, uuid: tab.uuid, name: tab.vmName }, message } });
      } else {
        toasts.getState().reportError(`Could not open the ${KIND_LABEL[tab.kind]} of ${tab.vmName}`, error);
      }
    }
  }

  const store = createStore<ConsolesState>()((set, get) => ({
    tabs: [],
    activeTabId: null,
    visible: false,
    busy: null,
    async open(vm, kind, options = {}) {
      set({ visible: true, busy: null });
      const existing = get().tabs.find((t) => t.hostId === vm.hostId && t.uuid === vm.uuid && t.kind === kind);
      if (existing) {
        set({ activeTabId: existing.tabId });
        if (existing.status === 'closed') await connect(existing.tabId, options.force ?? false);
        return;
      }
      const tabId = `tab-${nextTab++}`;
      const tab: ConsoleTab = {
        tabId,
        hostId: vm.hostId,
        uuid: vm.uuid,
        vmName: vm.name,
        kind,
        consoleId: null,
        ticket: null,
        status: 'opening',
        closedMessage: null,
        movedTo: null,
      };
      set((s) => ({ tabs: [...s.tabs, tab], activeTabId: tabId }));
      await connect(tabId, options.force ?? false);
    },
    async reconnect(tabId) {
      await connect(tabId, false);
    },
    async openWhereMoved(tabId) {
      const tab = get().tabs.find((t) => t.tabId === tabId);
      if (!tab?.movedTo) return;
      const { hostId } = tab.movedTo;
      const there = get().tabs.find((t) => t.hostId === hostId && t.uuid === tab.uuid && t.kind === tab.kind);
      if (there) {
        // Already open there: keep that tab, drop this one.
        set((s) => ({ tabs: s.tabs.filter((t) => t.tabId !== tabId), activeTabId: there.tabId, visible: true }));
        if (there.status === 'closed') await connect(there.tabId, false);
        return;
      }
      patchTab(tabId, { hostId });
      await connect(tabId, false);
    },
    async closeTab(tabId) {
      const tab = get().tabs.find((t) => t.tabId === tabId);
      if (!tab) return;
      set((s) => {
        const index = s.tabs.findIndex((t) => t.tabId === tabId);
        const tabs = s.tabs.filter((t) => t.tabId !== tabId);
        const activeTabId = s.activeTabId === tabId ? (tabs[Math.min(index, tabs.length - 1)]?.tabId ?? null) : s.activeTabId;
        return { tabs, activeTabId, visible: tabs.length > 0 && s.visible };
      });
      if (tab.status === 'open' && tab.consoleId) {
        // Its pane's channel closes too, which already ends the console: a NotFound here is that race.
        await client.call('consoles.close', { consoleId: tab.consoleId }).catch((error: unknown) => {
          if (!(error instanceof ContractCallError && error.code === 'console.not-found')) {
            toasts.getState().reportError(`Could not close the ${KIND_LABEL[tab.kind]} of ${tab.vmName}`, error);
          }
        });
      }
    },
    channelClosed(tabId, consoleId, message) {
      const tab = get().tabs.find((t) => t.tabId === tabId);
      if (tab?.consoleId === consoleId && tab.status === 'open') patchTab(tabId, { status: 'closed', closedMessage: message });
    },
    activate(tabId) {
      set({ activeTabId: tabId, visible: true });
    },
    show(visible) {
      set({ visible });
    },
    dismissBusy() {
      set({ busy: null });
    },
  }));

  const unsubscribe = client.on('consoles.closed', (closed) => {
    const tab = store.getState().tabs.find((t) => t.consoleId === closed.consoleId);
    if (tab) patchTab(tab.tabId, { status: 'closed', closedMessage: closed.message, movedTo: closed.movedTo ?? null });
  });

  return Object.assign(store, { dispose: unsubscribe });
}
