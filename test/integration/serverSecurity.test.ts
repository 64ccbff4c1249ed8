/** Browser mode's gate: loopback, token, Origin; static files with a strict CSP and no path traversal. */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcessTandem, type InProcessTandem } from '../support/inProcessTandem';

function upgradeStatus(t: InProcessTandem, options: { token?: string; origin?: string; path?: string }): Promise<number | 'open'> {
  return new Promise((resolve) => {
    const ws = t.connect(options);
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => undefined);
  });
}

function get(port: number, path: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    // A raw path: node's URL parsing would normalize away the traversal we want to send.
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('browser-mode server security', () => {
  let t: InProcessTandem;
  beforeAll(async () => {
    t = await startInProcessTandem();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('binds to loopback and prints a URL carrying the token', () => {
    expect(t.server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${t.server.port}/\\?token=[A-Za-z0-9_-]{32}$`));
  });

  it('accepts our origin with the token, and refuses a wrong token, a missing token, a foreign origin, another path', async () => {
    expect(await upgradeStatus(t, {})).toBe('open');
    expect(await upgradeStatus(t, { token: 'wrong' })).toBe(401);
    expect(await upgradeStatus(t, { token: '' })).toBe(401);
    expect(await upgradeStatus(t, { origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(t, { origin: `http://127.0.0.1:${t.server.port + 1}` })).toBe(403);
    expect(await upgradeStatus(t, { path: '/other' })).toBe(404);
  });

  it('survives a client that resets the connection during a refused upgrade', async () => {
    const { connect } = await import('node:net');
    for (let i = 0; i < 20; i++) {
      const socket = connect(t.server.port, '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      socket.write(`GET /api?token=wrong HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      socket.resetAndDestroy();
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(await t.client.call('app.info', {})).toMatchObject({ mode: 'headless' });
  });

  it('answers malformed percent-encoding with 400', async () => {
    expect((await get(t.server.port, '/%E0%A4%A')).status).toBe(400);
  });

  it('serves the renderer with a strict CSP and refuses path traversal', async () => {
    const index = await get(t.server.port, '/');
    expect([200, 503]).toContain(index.status); // 503 only when the renderer has not been built
    expect(String(index.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    for (const path of ['/../package.json', '/..%2f..%2fpackage.json', '/%2e%2e/%2e%2e/etc/passwd']) {
      const res = await get(t.server.port, path);
      expect([403, 404]).toContain(res.status);
      expect(res.body).not.toContain('"name"');
    }
  });
});
