import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_INDEX_URL, isAppUrl, isTrustedSender, resolveAppRequest } from './appUrl';

const root = resolve('/srv/tandem/renderer');

describe('resolveAppRequest', () => {
  it('maps the root and plain paths into the renderer folder', () => {
    expect(resolveAppRequest(root, 'app://tandem/')).toEqual({ kind: 'file', path: join(root, 'index.html') });
    expect(resolveAppRequest(root, APP_INDEX_URL)).toEqual({ kind: 'file', path: join(root, 'index.html') });
    expect(resolveAppRequest(root, 'app://tandem/assets/index-abc.js?v=1#x')).toEqual({
      kind: 'file',
      path: join(root, 'assets', 'index-abc.js'),
    });
  });

  it('never leaves the folder, whatever the encoding', () => {
    for (const url of [
      'app://tandem/%2e%2e/secret',
      'app://tandem/..%2f..%2fetc/passwd',
      'app://tandem/assets/%2e%2e/%2e%2e/x',
      'app://tandem/%2f%2fetc/passwd',
    ]) {
      const target = resolveAppRequest(root, url);
      if (target.kind === 'file') expect(target.path.startsWith(root + '/')).toBe(true);
      else expect(target.status).toBe(403);
    }
    expect(resolveAppRequest(root, 'app://tandem/..%2f..%2fetc/passwd')).toEqual({ kind: 'refused', status: 403 });
  });

  it('refuses other hosts, malformed escapes and NUL bytes', () => {
    expect(resolveAppRequest(root, 'app://evil/index.html')).toEqual({ kind: 'refused', status: 404 });
    expect(resolveAppRequest(root, 'file:///etc/passwd')).toEqual({ kind: 'refused', status: 404 });
    expect(resolveAppRequest(root, 'app://tandem/%E0%A4%A')).toEqual({ kind: 'refused', status: 400 });
    expect(resolveAppRequest(root, 'app://tandem/index.html%00.png')).toEqual({ kind: 'refused', status: 400 });
  });
});

describe('isAppUrl / isTrustedSender', () => {
  it('accepts only app://tandem', () => {
    expect(isAppUrl('app://tandem/index.html')).toBe(true);
    expect(isAppUrl('app://tandem.evil/index.html')).toBe(false);
    expect(isAppUrl('app://user@tandem/index.html')).toBe(false);
    expect(isAppUrl('https://tandem/index.html')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });

  it('trusts only our window, its main frame, on our origin', () => {
    const ok = { fromOurWindow: true, isMainFrame: true, url: APP_INDEX_URL };
    expect(isTrustedSender(ok)).toBe(true);
    expect(isTrustedSender({ ...ok, fromOurWindow: false })).toBe(false);
    expect(isTrustedSender({ ...ok, isMainFrame: false })).toBe(false);
    expect(isTrustedSender({ ...ok, url: null })).toBe(false);
    expect(isTrustedSender({ ...ok, url: 'https://example.com/' })).toBe(false);
  });
});

