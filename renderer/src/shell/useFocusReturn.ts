/**
 * For dialogs: the element that had focus when the dialog opened (a VM row, a toolbar button) gets it back
 * when the dialog closes, so a keyboard user goes on where they were instead of at the top of the page.
 * Captured in the first render, before the dialog's autoFocus moves focus into it.
 */
import { useCallback, useState } from 'react';

/** Wraps the dialog's close: closes it, then focuses what had focus when it opened (if still in the page). */
export function useFocusReturn(close: () => void): () => void {
  const [opener] = useState(() => (document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null));
  return useCallback(() => {
    close();
    if (opener?.isConnected) opener.focus();
  }, [close, opener]);
}
