/**
 * registerConsoleIpc with Node's MessageChannel standing in for Electron's MessageChannelMain (no Electron
 * binary runs here) and a real ConsoleHub over in-memory streams: bytes both ways, the console closing,
 * the page closing its port, refused tickets and senders.
 */
import { EventEmitter } from 'node:events';
import { Duplex, PassThrough } from 'node:stream';
import type { MessagePort } from 'node:worker_threads';
import type { BrowserWindow } from 'electron';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IPC_CONSOLE_ATTACH_CHANNEL, IPC_CONSOLE_PORT_CHANNEL } from '../../preload/consoleChannel';
import { ConsoleHub, type ConsoleClosed } from '../core/consoles/ConsoleHub';
import type { ConsolePort } from '../core/consoles/ConsolePort';

const listeners = vi.hoisted(() => new Map<string, (...args: unknown[]) => void>());

vi.mock('electron', async () => {
  const { EventEmitter: Emitter } = await import('node:events');
  const { MessageChannel: NodeChannel } = await import('node:worker_threads');
  /** MessagePortMain's shape over a Node MessagePort: 'message' events carry {data}. */
  class PortMain extends Emitter {
    constructor(private readonly port: import('node:worker_threads').MessagePort) {
      super();
      port.on('message', (data: unknown) => this.emit('message', { data, ports: [] }));
      port.on('close', () => this.emit('close'));
    }
    postMessage(message: unknown) {
      this.port.postMessage(message);
    }
    start() {}
    close() {
      this.port.close();
    }
    get raw() {
      return this.port;
    }
  }
  return {
    ipcMain: {
      on: (channel: string, listener: (...args: unknown[]) => void) => listeners.set(channel, listener),
      removeListener: (channel: string) => listeners.delete(channel),
    },
    MessageChannelMain: class {
      readonly port1: PortMain;
      readonly port2: PortMain;
      constructor() {
        const channel = new NodeChannel();
        this.port1 = new PortMain(channel.port1);
        this.port2 = new PortMain(channel.port2);
      }
    },
  };
});

const { registerConsoleIpc } = await import('./consoleIpc');

const VM = { hostId: 'h1', uuid: '00000000-0000-0000-0000-000000000001' };

class MemoryConsolePort implements ConsolePort {
  /** What the guest "prints" (written by the test) and what reached it (read by the test). */
  readonly fromGuest = new PassThrough();
  readonly toGuest = new PassThrough();
  async openSerial(): Promise<Duplex> {
    return Duplex.from({ readable: this.fromGuest, writable: this.toGuest });
  }
  async openGraphics(): Promise<Duplex> {
    return this.openSerial();
  }
  async isVmActive() {
    return true;
  }
}

function fakeWindow(url = 'app://tandem/index.html') {
  const contents = Object.assign(new EventEmitter(), {
    ports: [] as Array<{ channel: string; message: unknown; port: MessagePort }>,
    isDestroyed: () => false,
    postMessage(channel: string, message: unknown, transfer: Array<{ raw: MessagePort }>) {
      this.ports.push({ channel, message, port: transfer[0]!.raw });
    },
  });
  const window = Object.assign(new EventEmitter(), { webContents: contents });
  const event = { sender: contents, senderFrame: { parent: null, url } };
  return { window: window as unknown as BrowserWindow, contents, event };
}

const nextMessage = (port: MessagePort) => new Promise<unknown>((resolve) => port.once('message', resolve));

describe('console ports in Electron', () => {
  let hub: ConsoleHub;
  let consolePort: MemoryConsolePort;
  const closed: ConsoleClosed[] = [];

  beforeEach(() => {
    consolePort = new MemoryConsolePort();
    hub = new ConsoleHub(consolePort);
    closed.length = 0;
    hub.closed.on((c) => closed.push(c));
  });
  afterEach(async () => {
    await hub.dispose();
    listeners.clear();
  });

  it('carries bytes both ways, and tells the page when the console closes', async () => {
    const { window, contents, event } = fakeWindow();
    registerConsoleIpc({ consoles: hub }, window);
    const opened = await hub.open({ ...VM, kind: 'serial' });
    listeners.get(IPC_CONSOLE_ATTACH_CHANNEL)!(event, opened.ticket, 'r1');
    const [{ channel, message, port }] = contents.ports as [(typeof contents.ports)[number]];
    expect([channel, message]).toEqual([IPC_CONSOLE_PORT_CHANNEL, { requestId: 'r1' }]);

    const received = nextMessage(port);
    consolePort.fromGuest.write('TANDEM-GUEST-READY id=x\r\n');
    expect(Buffer.from((await received) as ArrayBuffer).toString()).toBe('TANDEM-GUEST-READY id=x\r\n');

    const typed = new Promise<Buffer>((resolve) => consolePort.toGuest.once('data', resolve));
    port.postMessage(new TextEncoder().encode('ls\r').buffer);
    expect((await typed).toString()).toBe('ls\r');

    const closing = nextMessage(port);
    hub.close(opened.consoleId, 'vm-stopped');
    await expect(closing).resolves.toEqual({ type: 'close', code: 1000, reason: 'The VM stopped.' });
    port.close();
  });

  it('the page closing its port closes the console', async () => {
    const { window, contents, event } = fakeWindow();
    registerConsoleIpc({ consoles: hub }, window);
    const opened = await hub.open({ ...VM, kind: 'vnc' });
    listeners.get(IPC_CONSOLE_ATTACH_CHANNEL)!(event, opened.ticket, 'r1');
    contents.ports[0]!.port.postMessage({ type: 'close', code: 1000, reason: '' });
    await vi.waitFor(() => expect(closed).toEqual([expect.objectContaining({ reason: 'client-closed' })]));
    expect(hub.openCount).toBe(0);
  });

  it('refuses an unknown ticket and a foreign sender with a port that says so', async () => {
    const opened = await hub.open({ ...VM, kind: 'vnc' });
    const foreign = fakeWindow('https://evil.example/');
    registerConsoleIpc({ consoles: hub }, foreign.window);
    const attach = listeners.get(IPC_CONSOLE_ATTACH_CHANNEL)!;
    attach(foreign.event, opened.ticket, 'r1');
    attach({ ...foreign.event, senderFrame: { parent: null, url: 'app://tandem/index.html' } }, 'unknown-ticket-000000', 'r2');
    for (const { port } of foreign.contents.ports) {
      await expect(nextMessage(port)).resolves.toMatchObject({ type: 'close', code: 4403 });
    }
    // The refused attempts did not spend the ticket.
    expect(hub.attach(opened.ticket)).toBeDefined();
  });
});
