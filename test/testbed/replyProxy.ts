/**
 * A proxy in front of a libvirtd that can lose a reply on purpose: the client's requests still reach the
 * daemon (which does the work) while its answers go nowhere, then the connection is cut. What a host that
 * drops mid-call looks like to Tandem, at a chosen moment. Listens on 127.0.0.1 (for a TCP daemon) or on a
 * unix socket (for a socket-only daemon such as host4; remove the socket file when done).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface ReplyProxy {
  server: Server;
  /** The URI to connect through (`qemu+tcp://127.0.0.1:<port>/system` or `qemu:///system?socket=<path>`). */
  uri: string;
  /** The connections open now stop passing the daemon's bytes back (requests still go through). */
  hold(): void;
  /**
   * From now on, each connection passes the daemon's messages until the reply to a call of `procedure` (a
   * REMOTE_PROC_* number of libvirt's remote protocol) has gone through, then holds the rest.
   */
  holdAfterReply(procedure: number): void;
  /** Closes the connections open now; new connections are passed through normally. */
  cut(): void;
}

export type ProxyTarget = { host: string; port: number } | { socket: string };

/** libvirt's RPC framing (src/rpc/virnetprotocol.x): a 4-byte length, then prog, vers, proc, type, serial, status. */
const REMOTE_PROGRAM = 0x20008086;
const REPLY = 1;

interface Pair {
  client: Socket;
  upstream: Socket;
  held: boolean;
  /** Hold once the reply to this procedure went through. */
  holdAfter: number | undefined;
  /** The daemon's bytes of a message not yet whole. */
  pending: Buffer;
}

/**
 * Passes the daemon's bytes on a whole message at a time (so a hold set at any moment starts at a message
 * boundary), until the connection is held.
 */
function forward(pair: Pair, bytes: Buffer): void {
  pair.pending = Buffer.concat([pair.pending, bytes]);
  while (!pair.held && pair.pending.length >= 4) {
    const length = pair.pending.readUInt32BE(0);
    if (pair.pending.length < length) return;
    const message = pair.pending.subarray(0, length);
    pair.pending = pair.pending.subarray(length);
    pair.client.write(message);
    if (pair.holdAfter === undefined || length < 28) continue;
    if (message.readUInt32BE(4) === REMOTE_PROGRAM && message.readInt32BE(12) === pair.holdAfter && message.readUInt32BE(16) === REPLY) pair.held = true;
  }
}

export function startReplyProxy(target: ProxyTarget, listenSocket?: string): Promise<ReplyProxy> {
  const pairs = new Set<Pair>();
  let holdAfter: number | undefined;
  const server = createServer((client) => {
    const upstream = 'socket' in target ? connect(target.socket) : connect(target.port, target.host);
    const pair: Pair = { client, upstream, held: false, holdAfter, pending: Buffer.alloc(0) };
    pairs.add(pair);
    for (const s of [client, upstream]) {
      s.on('close', () => pairs.delete(pair));
      s.on('error', () => undefined);
    }
    client.pipe(upstream);
    upstream.on('data', (bytes: Buffer) => forward(pair, bytes));
    upstream.on('end', () => client.end());
  });
  const listening = (uri: () => string) =>
    new Promise<ReplyProxy>((resolve) => {
      const done = () =>
        resolve({
          server,
          uri: uri(),
          hold: () => {
            for (const pair of pairs) pair.held = true;
          },
          holdAfterReply: (procedure) => {
            holdAfter = procedure;
            for (const pair of pairs) pair.holdAfter = procedure;
          },
          cut: () => {
            holdAfter = undefined;
            for (const pair of [...pairs]) {
              pair.client.destroy();
              pair.upstream.destroy();
            }
          },
        });
      if (listenSocket) server.listen(listenSocket, done);
      else server.listen(0, '127.0.0.1', done);
    });
  return listenSocket
    ? listening(() => `qemu:///system?socket=${listenSocket}`)
    : listening(() => `qemu+tcp://127.0.0.1:${(server.address() as { port: number }).port}/system`);
}
