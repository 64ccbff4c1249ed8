/**
 * Keyboard focus for a modal dialog (role="dialog"/"alertdialog" with aria-modal): Tab and Shift+Tab cycle
 * through the dialog's own controls instead of walking into the page behind it, and when the dialog goes the
 * focus goes back to what had it before (the button that opened it), or to `fallback` when that element is
 * gone (the row of a network just deleted), so a keyboard user is not sent back to the top of the page.
 * Call it before the dialog's own effects that move the focus in (it notes the opener at its first render);
 * pass a `fallback` defined once (not a new function each render).
 */
import { useEffect, useState, type RefObject } from 'react';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

export function useDialogFocus(dialog: RefObject<HTMLElement | null>, fallback?: () => HTMLElement | null | undefined): void {
  // Noted once, before any effect moves the focus into the dialog (a state, so React's development double
  // mount keeps it).
  const [opener] = useState(() => (document.activeElement instanceof HTMLElement ? document.activeElement : null));
  useEffect(() => {
    const root = dialog.current;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'Tab' || !root) return;
      const controls = [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.getClientRects().length > 0);
      const first = controls[0];
      const last = controls[controls.length - 1];
      if (!first || !last) return;
      const active = document.activeElement;
      if (event.shiftKey && (active === first || !root.contains(active))) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && (active === last || !root.contains(active))) {
        event.preventDefault();
        first.focus();
      }
    };
    document.addEventListener('keydown', onKeyDown);
    return () => {
      document.removeEventListener('keydown', onKeyDown);
      // Once React has removed the dialog (still there: only an effect re-run, nothing to give back).
      queueMicrotask(() => {
        if (root?.isConnected) return;
        const target = opener?.isConnected ? opener : fallback?.();
        target?.focus();
      });
    };
  }, [dialog, opener, fallback]);
}
