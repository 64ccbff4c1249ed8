import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ContractCallError } from '../../../preload/client';
import { createToastStore, describeError, TOAST_AUTO_DISMISS_MS } from './toastStore';

describe('toastStore', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('turns a ContractCallError into a toast with its message and code', () => {
    const toasts = createToastStore();
    const error = new ContractCallError('vms.start', {
      name: 'Conflict',
      code: 'libvirt.VIR_ERR_OPERATION_INVALID',
      message: 'domain is already running',
    });
    toasts.getState().reportError('Could not start web', error);
    expect(toasts.getState().toasts).toEqual([
      { id: 1, title: 'Could not start web', message: 'domain is already running', code: 'libvirt.VIR_ERR_OPERATION_INVALID' },
    ]);
  });

  it('reports other errors with a client-side code', () => {
    expect(describeError(new Error('boom'))).toEqual({ message: 'boom', code: 'client.error' });
    expect(describeError('weird')).toEqual({ message: 'weird', code: 'client.error' });
  });

  it('dismisses toasts after the timeout', () => {
    const toasts = createToastStore();
    toasts.getState().push({ title: 'a', message: 'm', code: 'c' });
    vi.advanceTimersByTime(TOAST_AUTO_DISMISS_MS - 1);
    toasts.getState().push({ title: 'b', message: 'm', code: 'c' });
    expect(toasts.getState().toasts.map((t) => t.title)).toEqual(['a', 'b']);
    vi.advanceTimersByTime(1);
    expect(toasts.getState().toasts.map((t) => t.title)).toEqual(['b']);
    vi.advanceTimersByTime(TOAST_AUTO_DISMISS_MS);
    expect(toasts.getState().toasts).toEqual([]);
  });

  it('dismisses a toast on request and clears its timer', () => {
    const toasts = createToastStore();
    const id = toasts.getState().push({ title: 'a', message: 'm', code: 'c' });
    toasts.getState().dismiss(id);
    expect(toasts.getState().toasts).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('can keep toasts until dismissed', () => {
    const toasts = createToastStore({ autoDismissMs: 0 });
    toasts.getState().push({ title: 'a', message: 'm', code: 'c' });
    vi.advanceTimersByTime(60_000);
    expect(toasts.getState().toasts).toHaveLength(1);
  });
});
