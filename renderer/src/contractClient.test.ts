import { describe, expect, it } from 'vitest';
import { apiSocketUrl, takeToken, TOKEN_STORAGE_KEY } from './contractClient';

function memoryStorage(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial));
  return {
    data,
    getItem: (key: string) => data.get(key) ?? null,
    setItem: (key: string, value: string) => void data.set(key, value),
  };
}

describe('takeToken', () => {
  it('takes the token from the URL, stores it and strips it from the query', () => {
    const storage = memoryStorage();
    expect(takeToken('?token=abc123&x=1', storage)).toEqual({ token: 'abc123', cleanedSearch: '?x=1' });
    expect(storage.data.get(TOKEN_STORAGE_KEY)).toBe('abc123');
    expect(takeToken('?token=abc123', memoryStorage())).toEqual({ token: 'abc123', cleanedSearch: '' });
  });

  it('falls back to the stored token after a reload', () => {
    const storage = memoryStorage({ [TOKEN_STORAGE_KEY]: 'stored' });
    expect(takeToken('', storage)).toEqual({ token: 'stored', cleanedSearch: null });
  });

  it('prefers a new token in the URL over the stored one', () => {
    const storage = memoryStorage({ [TOKEN_STORAGE_KEY]: 'old' });
    expect(takeToken('?token=new', storage).token).toBe('new');
    expect(storage.data.get(TOKEN_STORAGE_KEY)).toBe('new');
  });

  it('reports no token when there is none', () => {
    expect(takeToken('', memoryStorage())).toEqual({ token: null, cleanedSearch: null });
    expect(takeToken('?token=', memoryStorage())).toEqual({ token: null, cleanedSearch: '' });
  });
});

describe('apiSocketUrl', () => {
  it('targets /api on the same host and escapes the token', () => {
    expect(apiSocketUrl('127.0.0.1:8123', 'a+b/c')).toBe('ws://127.0.0.1:8123/api?token=a%2Bb%2Fc');
  });
});
