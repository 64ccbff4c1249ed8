/**
 * Listing and rendering 1,000 VMs from libvirt's test driver, in the same run as two baselines:
 * - list: Tandem's contract call `vms.list` over the WebSocket after connecting, vs `virsh list --all`
 *   on the same node file (the libvirt CLI, one process);
 * - render: Tandem's UI in Chromium from navigation to 1,000 rows on screen, vs the same number of
 *   plain table rows inserted with raw DOM in the same browser (the floor for any UI).
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DOMImplementation, XMLSerializer } from '@xmldom/xmldom';
import { chromium } from 'playwright-core';
import WebSocket from 'ws';
import { createContractClient, createWebSocketTransport, type WebSocketLike } from '../preload/client';
import { createTandem } from '../main/bootstrap/createTandem';
import { startServer } from '../main/server/TandemServer';
import { CHROMIUM, CHROMIUM_ARGS } from '../test/support/browserModeApp';
import { fmt, median } from './stats';

const run = promisify(execFile);

/** A test-driver node with `count` small domains, built as a DOM. */
export function nodeWithDomains(count: number): string {
  const doc = new DOMImplementation().createDocument(null, 'node', null);
  const node = doc.documentElement!;
  const add = (parent: typeof node, tag: string, text?: string, attrs: Record<string, string> = {}) => {
    const el = doc.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    if (text !== undefined) el.appendChild(doc.createTextNode(text));
    parent.appendChild(el);
    return el;
  };
  const cpu = add(node, 'cpu');
  for (const [tag, value] of [['mhz', '2000'], ['model', 'x86_64'], ['active', '64'], ['nodes', '1'], ['sockets', '1'], ['cores', '32'], ['threads', '2']]) add(cpu, tag!, value);
  add(node, 'memory', String(512 * 1024 * 1024));
  for (let i = 0; i < count; i++) {
    const dom = add(node, 'domain', undefined, { type: 'test' });
    add(dom, 'name', `bench-vm-${String(i).padStart(4, '0')}`);
    add(dom, 'uuid', `b0000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`);
    add(dom, 'memory', String(1024 * (256 + (i % 8) * 256)), { unit: 'KiB' });
    add(dom, 'vcpu', String(1 + (i % 4)));
    const os = add(dom, 'os');
    add(os, 'type', 'hvm');
  }
  return new XMLSerializer().serializeToString(doc);
}

export async function benchListAndRender(workDir: string, staticDir: string) {
  const COUNT = 1000;
  const file = join(workDir, 'node-1000.xml');
  await writeFile(file, nodeWithDomains(COUNT));
  const uri = `test://${file}`;
  const ROUNDS = 5;

  const virsh: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    const { stdout } = await run('virsh', ['-c', uri, 'list', '--all', '--name'], { maxBuffer: 8 << 20 });
    virsh.push(performance.now() - start);
    if (stdout.trim().split('\n').length !== COUNT) throw new Error('virsh did not list every domain');
  }

  const tandem = await createTandem({ mode: 'headless', dataDir: join(workDir, 'data'), demo: 'never', localUri: null });
  const connectStart = performance.now();
  tandem.hosts.register({ id: 'bench', uri, kind: 'libvirt', persisted: false });
  await tandem.ready();
  const connectAndFirstList = performance.now() - connectStart;
  const server = await startServer({ tandem, staticDir });
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, { headers: { Origin: `http://127.0.0.1:${server.port}` } });
  const transport = createWebSocketTransport(socket as unknown as WebSocketLike);
  const client = createContractClient(transport);
  const list: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    const vms = await client.call('vms.list', {});
    list.push(performance.now() - start);
    if (vms.length !== COUNT) throw new Error(`vms.list returned ${vms.length}`);
  }

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const render: number[] = [];
  const rawDom: number[] = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const start = performance.now();
      await page.goto(server.url);
      // The table is virtualized: it is ready when it lists every VM and shows the rows in view.
      await page.waitForFunction(
        (n) => document.querySelector('[data-testid="vm-count"]')?.textContent === `${n} VMs` && document.querySelectorAll('tr[data-key]').length > 0,
        COUNT,
        { timeout: 60_000, polling: 'raf' },
      );
      render.push(performance.now() - start);
      // Baseline: the same rows as bare DOM, timed in the page, on a page with the same document loaded.
      rawDom.push(
        await page.evaluate((n) => {
          const t0 = performance.now();
          const tbody = document.createElement('tbody');
          for (let r = 0; r < n; r++) {
            const tr = document.createElement('tr');
            for (const text of [`bench-vm-${r}`, 'running', '2', '512 MiB', 'bench']) {
              const td = document.createElement('td');
              td.textContent = text;
              tr.appendChild(td);
            }
            tbody.appendChild(tr);
          }
          const table = document.createElement('table');
          table.appendChild(tbody);
          document.body.appendChild(table);
          void table.offsetHeight; // force layout, as a render would
          return performance.now() - t0;
        }, COUNT),
      );
      await page.close();
    }
  } finally {
    await browser.close();
    transport.close();
    await server.close();
    await tandem.dispose();
  }
  return [
    { measure: `list ${COUNT} VMs`, what: 'virsh list --all (baseline)', median: fmt(median(virsh)), 'x baseline': '1.0' },
    { measure: `list ${COUNT} VMs`, what: 'Tandem vms.list over WebSocket (from cache)', median: fmt(median(list)), 'x baseline': (median(list) / median(virsh)).toFixed(2) },
    { measure: `list ${COUNT} VMs`, what: 'Tandem connect + first full listing', median: fmt(connectAndFirstList), 'x baseline': (connectAndFirstList / median(virsh)).toFixed(2) },
    { measure: `render ${COUNT} VMs`, what: 'raw DOM rows in Chromium (baseline)', median: fmt(median(rawDom)), 'x baseline': '1.0' },
    { measure: `render ${COUNT} VMs`, what: 'Tandem UI: navigation to the table listing all (rows in view rendered)', median: fmt(median(render)), 'x baseline': (median(render) / median(rawDom)).toFixed(1) },
  ];
}
