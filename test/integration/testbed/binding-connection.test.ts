/**
 * The connection's life on a real daemon: keepalive is accepted, and when the connection drops the close
 * callback fires with libvirt's reason and later calls fail with a LibvirtError, not a hang. The drop is
 * made real by connecting through a loopback TCP proxy and cutting it.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibvirtError, openConnection, virConnectCloseReason, type ConnectionCloseEvent } from '../../../native-helpers/libvirt/lib/index';
import { testbedOrFail } from '../../support/requireTestbed';

const env = testbedOrFail();

/** Forwards 127.0.0.1:<port> to host1's libvirtd; `cut()` closes every proxied socket. */
function startProxy(target: { host: string; port: number }): Promise<{ server: Server; port: number; cut(): void }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        port: (server.address() as { port: number }).port,
        cut: () => {
          for (const s of sockets) s.destroy();
        },
      }),
    ),
  );
}

describe.skipIf(!env)('a libvirt connection that drops', () => {
  let proxy: Awaited<ReturnType<typeof startProxy>>;

  beforeAll(async () => {
    const target = new URL(env!.host1Uri);
    proxy = await startProxy({ host: target.hostname, port: Number(target.port) });
  });
  afterAll(() => {
    proxy.server.close();
  });

  it('fires the close callback with the reason, and later calls reject instead of hanging', async () => {
    const conn = await openConnection(`qemu+tcp://127.0.0.1:${proxy.port}/system`);
    expect(await conn.setKeepAlive(5, 3)).toBe(true); // remote connections support keepalive
    // Registered (awaited) before the cut: a registration still on its way when the socket goes fails instead.
    let onClose: (event: ConnectionCloseEvent) => void = () => undefined;
    const closed = new Promise<ConnectionCloseEvent>((resolve) => (onClose = resolve));
    await conn.registerCloseCallback((event) => onClose(event));
    expect(await conn.getType()).toBe('QEMU');

    proxy.cut();
    const event = await closed;
    expect([virConnectCloseReason.VIR_CONNECT_CLOSE_REASON_EOF, virConnectCloseReason.VIR_CONNECT_CLOSE_REASON_ERROR]).toContain(event.reason);
    expect(conn.isAlive()).toBe(false);
    const error = await conn.getHostname().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LibvirtError);
    expect((error as LibvirtError).codeName).toMatch(/^VIR_ERR_(INTERNAL_ERROR|RPC|SYSTEM_ERROR|INVALID_CONN)$/);
    await conn.close();
  });

  it('does not call the close callback for an orderly close()', async () => {
    const conn = await openConnection(`qemu+tcp://127.0.0.1:${proxy.port}/system`);
    let called = false;
    await conn.registerCloseCallback(() => {
      called = true;
    });
    await conn.close();
    await new Promise((r) => setTimeout(r, 300));
    expect(called).toBe(false);
  });
});
