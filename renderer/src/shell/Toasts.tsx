import { memo } from 'react';
import type { Toast } from '../stores/toastStore';
import { useStores, useToasts } from '../stores/StoresContext';

/** Error toasts, newest at the bottom; each dismisses itself after a few seconds or with its button. */
export function Toasts() {
  const toasts = useToasts((state) => state.toasts);
  return (
    <div className="toasts" aria-live="assertive" aria-relevant="additions">
      {toasts.map((toast) => (
        <ToastItem key={toast.id} toast={toast} />
      ))}
    </div>
  );
}

const ToastItem = memo(function ToastItem({ toast }: { toast: Toast }) {
  const { toasts } = useStores();
  return (
    <div className="toast" role="alert" data-testid="toast" data-code={toast.code}>
      <div className="toast-body">
        <div className="toast-title">{toast.title}</div>
        <div className="toast-message">{toast.message}</div>
        <div className="toast-code">{toast.code}</div>
      </div>
      <button
        type="button"
        className="icon-btn toast-close"
        aria-label="Dismiss"
        title="Dismiss"
        onClick={() => toasts.getState().dismiss(toast.id)}
      >
        ×
      </button>
    </div>
  );
});
