/**
 * Error toasts. Every failed contract call ends up here (title + the error's message and code), so no
 * failure is swallowed. Toasts dismiss themselves after a while, or when the user closes them.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { ContractCallError } from '../../../preload/client';

export const TOAST_AUTO_DISMISS_MS = 8000;

export interface Toast {
  id: number;
  title: string;
  message: string;
  /** The contract error code (e.g. "vm.not-found"), or "client.error" for a failure on this side. */
  code: string;
}

export interface ToastState {
  toasts: Toast[];
  push(toast: Omit<Toast, 'id'>): number;
  /** Turns any thrown value into a toast; ContractCallError keeps its message and code. */
  reportError(title: string, error: unknown): number;
  dismiss(id: number): void;
}

export type ToastStore = StoreApi<ToastState>;

export interface ToastStoreOptions {
  /** 0 disables auto-dismiss. */
  autoDismissMs?: number;
}

/** The message and code a toast shows for a thrown value. */
export function describeError(error: unknown): { message: string; code: string } {
  if (error instanceof ContractCallError) return { message: error.message, code: error.code };
  if (error instanceof Error) return { message: error.message || error.name, code: 'client.error' };
  return { message: String(error), code: 'client.error' };
}

export function createToastStore(options: ToastStoreOptions = {}): ToastStore {
  const autoDismissMs = options.autoDismissMs ?? TOAST_AUTO_DISMISS_MS;
  let nextId = 1;
  const timers = new Map<number, ReturnType<typeof setTimeout>>();

  return createStore<ToastState>()((set, get) => ({
    toasts: [],
    push(toast) {
      const id = nextId++;
      set((state) => ({ toasts: [...state.toasts, { ...toast, id }] }));
      if (autoDismissMs > 0) {
        timers.set(
          id,
          setTimeout(() => get().dismiss(id), autoDismissMs),
        );
      }
      return id;
    },
    reportError(title, error) {
      const { message, code } = describeError(error);
      // Also on the console, for bug reports; the toast is what the user sees.
      console.error(`${title}: ${message} [${code}]`, error);
      return get().push({ title, message, code });
    },
    dismiss(id) {
      const timer = timers.get(id);
      if (timer !== undefined) clearTimeout(timer);
      timers.delete(id);
      set((state) => {
        const toasts = state.toasts.filter((toast) => toast.id !== id);
        return toasts.length === state.toasts.length ? state : { toasts };
      });
    },
  }));
}
