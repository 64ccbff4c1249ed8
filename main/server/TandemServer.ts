/**
 * Browser mode: the same contract as Electron IPC, served over a WebSocket, plus the built renderer as
 * static files. Bound to 127.0.0.1 by default. A client must present the random token from the URL that
 * `serve` prints and come from our own origin (a page on another site cannot drive it, even on loopback).
 * Consoles' bytes use a second WebSocket path, `/console`, behind the same checks plus a one-time ticket
 * from `consoles.open` (see docs/architecture.md, "Consoles").
 */
import { timingSafeEqual, randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer, type WebSocket } from 'ws';
import { CONSOLE_SOCKET_PATH, MAX_CONSOLE_CLIENT_FRAME_BYTES } from '../../preload/api/consoles';
import { WireCallSchema, type ServerMessage } from '../../preload/contract';
import type { Tandem } from '../bootstrap/createTandem';
import type { AttachedConsole } from '../core/consoles/ConsoleHub';
import { createLogger } from '../core/logging';

const log = createLogger('server');

/** Largest frame a client may send; real calls are tiny, domain XML is capped at 1 MiB by the contract. */
const MAX_FRAME_BYTES = 2 * 1024 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

export interface ServerOptions {
  /** `consoles` serves the byte channel of consoles (`/console`); without it that path is refused. */
  tandem: Pick<Tandem, 'dispatch' | 'onEvent'> & Partial<Pick<Tandem, 'consoles'>>;
  /** Address to bind; 127.0.0.1 unless the user asks otherwise. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The built renderer (dist/renderer). */
  staticDir: string;
  /** Fixed token (tests); random otherwise. */
  token?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  /** Number of open WebSocket clients. */
  clientCount(): number;
  /** Number of open console byte channels. */
  consoleClientCount(): number;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('base64url');
  const staticDir = resolve(options.staticDir);
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const consoleWss = new WebSocketServer({ noServer: true, maxPayload: MAX_CONSOLE_CLIENT_FRAME_BYTES });
  const http = createServer((req, res) => {
    serveStatic(staticDir, req, res).catch((error: unknown) => {
      log.error('static file error', error);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  let port = 0;
  const displayHost = host.includes(':') ? `[${host}]` : host; // IPv6 literals are bracketed in URLs and Origins
  const allowedOrigins = () => new Set([`http://${displayHost}:${port}`, `http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node removes the socket's error listener before 'upgrade', and ws adds its own only once it takes the
    // socket: until then a client that resets the connection would raise an uncaught error.
    socket.on('error', () => socket.destroy());
    const reject = (status: number, why: string) => {
      log.warn(`refused WebSocket from ${req.socket.remoteAddress}: ${why}`);
      socket.end(`HTTP/1.1 ${status} ${why}\r\nConnection: close\r\n\r\n`);
    };
    const url = new URL(req.url ?? '/', 'http://placeholder');
    if (url.pathname !== '/api' && url.pathname !== CONSOLE_SOCKET_PATH) return reject(404, 'Not Found');
    if (!tokenMatches(url.searchParams.get('token'), token)) return reject(401, 'Unauthorized');
    const origin = req.headers.origin;
    if (!origin || !allowedOrigins().has(origin)) return reject(403, 'Forbidden');
    if (url.pathname === '/api') {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      return;
    }
    // A console's ticket is redeemed only after the token and Origin checks, and only once.
    const attached = options.tandem.consoles?.attach(url.searchParams.get('ticket') ?? '');
    if (!attached) return reject(403, 'Forbidden');
    // ws drops a malformed handshake without calling back: the redeemed console must not outlive it.
    let upgraded = false;
    socket.once('close', () => {
      if (!upgraded) options.tandem.consoles?.close(attached.consoleId, 'client-closed');
    });
    consoleWss.handleUpgrade(req, socket, head, (ws) => {
      upgraded = true;
      carryConsole(ws, attached);
    });
  });

  /** Bytes both ways with backpressure (pipe over ws's stream); whichever side ends first ends the other. */
  const carryConsole = (ws: WebSocket, attached: AttachedConsole) => {
    const channel = createWebSocketStream(ws);
    const closedSub = attached.onClosed(({ message }) => {
      // 1000 + why; the renderer also gets the `consoles.closed` event with the reason.
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(1000, closeReason(message));
    });
    ws.once('close', () => {
      closedSub.dispose();
      attached.stream.unpipe(channel);
      options.tandem.consoles?.close(attached.consoleId, 'client-closed');
    });
    channel.on('error', (error) => log.info(`console channel ${attached.consoleId}: ${error.message}`));
    channel.pipe(attached.stream, { end: false });
    attached.stream.pipe(channel, { end: false });
    attached.stream.resume();
  };

  wss.on('connection', (ws: WebSocket) => {
    ws.on('message', (data, isBinary) => {
      void handleFrame(ws, isBinary ? undefined : data.toString('utf8'));
    });
    ws.on('error', (error) => log.warn(`WebSocket client error: ${error.message}`));
  });

  const handleFrame = async (ws: WebSocket, text: string | undefined) => {
    let frame: unknown;
    try {
      frame = text === undefined ? undefined : JSON.parse(text);
    } catch {
      frame = undefined;
    }
    const call = WireCallSchema.safeParse(frame);
    if (!call.success) {
      const error = {
        name: 'InvalidInput' as const,
        code: 'frame.invalid',
        message: `Malformed call frame: ${call.error.issues.map((i) => `${i.path.join('.') || 'frame'}: ${i.message}`).join('; ')}`,
      };
      // A frame that carries a usable id is answered for that id, so the caller's pending call settles.
      const id = callIdOf(frame);
      send(ws, id === undefined ? { type: 'protocol-error', error } : { type: 'result', id, result: { ok: false, error } });
      return;
    }
    const result = await options.tandem.dispatch(call.data.method, call.data.args);
    send(ws, { type: 'result', id: call.data.id, result });
  };

  const subscription = options.tandem.onEvent(({ event, payload }) => {
    const message = JSON.stringify({ type: 'event', event, payload } satisfies ServerMessage);
    for (const client of wss.clients) if (client.readyState === client.OPEN) client.send(message);
  });

  await new Promise<void>((resolvePromise, rejectPromise) => {
    http.once('error', rejectPromise);
    http.listen(options.port ?? 0, host, () => {
      http.off('error', rejectPromise);
      resolvePromise();
    });
  });
  port = (http.address() as AddressInfo).port;

  return {
    url: `http://${displayHost}:${port}/?token=${token}`,
    port,
    token,
    clientCount: () => wss.clients.size,
    consoleClientCount: () => consoleWss.clients.size,
    async close() {
      subscription.dispose();
      for (const client of [...wss.clients, ...consoleWss.clients]) client.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => consoleWss.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

function send(ws: WebSocket, message: ServerMessage): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
}

function callIdOf(frame: unknown): number | undefined {
  if (typeof frame !== 'object' || frame === null) return undefined;
  const id = (frame as { id?: unknown }).id;
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 ? id : undefined;
}

function tokenMatches(given: string | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const securityHeaders = {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', ...securityHeaders }).end();
    return;
  }
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://placeholder').pathname);
  } catch {
    res.writeHead(400, securityHeaders).end(); // malformed percent-encoding is the client's error
    return;
  }
  if (pathname.includes('\0')) {
    res.writeHead(400, securityHeaders).end();
    return;
  }
  const relative = normalize(pathname === '/' ? '/index.html' : pathname).replace(/^([/\\])+/, '');
  const file = join(root, relative);
  if (file !== root && !file.startsWith(root + sep)) {
    res.writeHead(403, securityHeaders).end();
    return;
  }
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    if (relative === 'index.html') {
      res
        .writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', ...securityHeaders })
        .end('The renderer is not built. Run: npm run build:renderer\n');
    } else {
      res.writeHead(404, securityHeaders).end();
    }
    return;
  }
  const body = await readFile(file);
  res.writeHead(200, {
    'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'Cache-Control': relative === 'index.html' ? 'no-store' : 'max-age=3600',
    ...securityHeaders,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * A WebSocket close reason may hold 123 bytes of UTF-8 (ws throws beyond): the message, cut at a character
 * boundary (it can name a host, in any script).
 */
export function closeReason(message: string): string {
  const chars = [...message];
  while (Buffer.byteLength(chars.join('')) > 123) chars.pop();
  return chars.join('');
}
