/**
 * A console byte channel as the UI opens it (`/console?token&ticket`, our Origin), read by tests: text
 * accumulated with CRs removed (waitFor a line), or exact byte counts (an RFB handshake).
 */
import WebSocket from 'ws';

export interface ConsoleSocketClient {
  socket: WebSocket;
  /** Resolves once the upgrade succeeded; rejects with the HTTP status when it was refused. */
  opened: Promise<void>;
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  text(): string;
  /** First match of `re` in complete lines received so far or later. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The next `n` unread bytes. */
  read(n: number, timeoutMs?: number): Promise<Buffer>;
  send(data: string | Buffer): void;
}

export function openConsoleSocket(port: number, params: { token: string; ticket: string; origin?: string }): ConsoleSocketClient {
  const url = `ws://127.0.0.1:${port}/console?token=${encodeURIComponent(params.token)}&ticket=${encodeURIComponent(params.ticket)}`;
  const socket = new WebSocket(url, { headers: { Origin: params.origin ?? `http://127.0.0.1:${port}` } });
  let bytes = Buffer.alloc(0);
  let readOffset = 0;
  let listeners: Array<() => void> = [];
  const notify = () => {
    for (const l of [...listeners]) l();
  };
  socket.on('message', (data: Buffer) => {
    bytes = Buffer.concat([bytes, data]);
    notify();
  });
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_req, res) => reject(new Error(`refused: HTTP ${res.statusCode}`)));
    socket.once('error', reject);
  });
  opened.catch(() => undefined);
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => {
      notify();
      resolve({ code, reason: reason.toString() });
    }),
  );
  const text = () => bytes.toString('utf8').replace(/\r/g, '');
  const until = <T>(check: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> =>
    new Promise((resolve, reject) => {
      const attempt = () => {
        const value = check();
        if (value === undefined) return false;
        done();
        resolve(value);
        return true;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(what()));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners = listeners.filter((l) => l !== listener);
      };
      const listener = () => void attempt();
      listeners.push(listener);
      attempt();
    });
  return {
    socket,
    opened,
    closed,
    text,
    waitFor: (re, timeoutMs = 30_000) =>
      until(
        () => {
          const t = text();
          return t.slice(0, t.lastIndexOf('\n') + 1).match(re) ?? undefined;
        },
        timeoutMs,
        () => `no ${re} on the console within ${timeoutMs} ms; got:\n${text().slice(-1500)}`,
      ),
    read: (n, timeoutMs = 15_000) =>
      until(
        () => {
          if (bytes.length - readOffset < n) return undefined;
          const out = bytes.subarray(readOffset, readOffset + n);
          readOffset += n;
          return out;
        },
        timeoutMs,
        () => `expected ${n} bytes within ${timeoutMs} ms, have ${bytes.length - readOffset}`,
      ),
    send: (data) => socket.send(typeof data === 'string' ? Buffer.from(data) : data),
  };
}

/**
 * The client side of an RFB 3.8 handshake up to ServerInit (RFC 6143 §7.1-7.3), security type None: what
 * a VNC viewer sees first. Resolves with the server's greeting and framebuffer size.
 */
export async function rfbHandshake(c: ConsoleSocketClient): Promise<{ greeting: string; width: number; height: number; name: string }> {
  const greeting = (await c.read(12)).toString('latin1');
  c.send('RFB 003.008\n');
  const count = (await c.read(1))[0]!;
  if (count === 0) {
    const length = (await c.read(4)).readUInt32BE(0);
    throw new Error(`VNC server refused: ${(await c.read(length)).toString('utf8')}`);
  }
  const types = [...(await c.read(count))];
  if (!types.includes(1)) throw new Error(`VNC server offers no "None" security type (offers ${types.join(', ')})`);
  c.send(Buffer.from([1]));
  const result = (await c.read(4)).readUInt32BE(0);
  if (result !== 0) throw new Error(`VNC security result ${result}`);
  c.send(Buffer.from([1])); // ClientInit: shared
  const init = await c.read(24);
  const nameLength = init.readUInt32BE(20);
  const name = (await c.read(nameLength)).toString('utf8');
  return { greeting, width: init.readUInt16BE(0), height: init.readUInt16BE(2), name };
}
