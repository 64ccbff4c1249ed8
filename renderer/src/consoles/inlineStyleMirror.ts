/**
 * xterm.js writes its theme and cell-size rules into <style> elements it creates; our CSP (`style-src
 * 'self'`, no 'unsafe-inline') rightly refuses to apply those. Rules set through the CSSOM are not subject to
 * style-src, so their text is mirrored into one constructable stylesheet, which keeps the CSP strict while
 * xterm renders as designed.
 */
export function mirrorInlineStyles(root: HTMLElement): () => void {
  const sheet = new CSSStyleSheet();
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  const sync = () => {
    const text = [...root.querySelectorAll('style')].map((style) => style.textContent ?? '').join('\n');
    sheet.replaceSync(text);
  };
  const observer = new MutationObserver(sync);
  observer.observe(root, { subtree: true, childList: true, characterData: true });
  sync();
  return () => {
    observer.disconnect();
    document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== sheet);
  };
}
