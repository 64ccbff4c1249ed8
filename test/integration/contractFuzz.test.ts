/**
 * Thousands of random and hostile payloads at the contract over the WebSocket: every frame gets a typed
 * answer, nothing crashes, and the server still answers normally afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { methodNames } from '../../preload/contract';
import { startInProcessTandem, type InProcessTandem } from '../support/inProcessTandem';

/** A small deterministic PRNG (mulberry32): the same payloads on every run, so a failure reproduces. */
function prng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Only loopback or local URIs: a fuzzer must never make Tandem dial a real address.
const URIS = ['qemu+tcp://127.0.0.9:1/system', 'test:///default', 'qemu:///nope', 'ftp://127.0.0.1/', '\u0000', 'qemu+ssh:///system'];
const STRINGS = ['demo', '', 'x'.repeat(5000), '__proto__', 'constructor', '7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100001', '00000000-0000-4000-8000-000000000000', '<domain/>', '<domain type="test"><name>f</name><memory>1024</memory><os><type>hvm</type></os></domain>', '\ud800', 'null'];

function randomValue(rand: () => number, depth = 0): unknown {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  switch (Math.floor(rand() * (depth > 2 ? 6 : 8))) {
    case 0: return pick(STRINGS);
    case 1: return Math.floor(rand() * 2 ** 40) * (rand() < 0.5 ? -1 : 1);
    case 2: return pick([null, true, false, 0, -0, 1.5, Number.MAX_SAFE_INTEGER]);
    case 3: return pick(URIS);
    case 4: return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
    case 5: return String.fromCharCode(...Array.from({ length: Math.floor(rand() * 20) }, () => Math.floor(rand() * 0xffff)));
    default: {
      const obj: Record<string, unknown> = {};
      const keys = ['hostId', 'uuid', 'uri', 'name', 'xml', '__proto__', 'constructor', 'extra'];
      for (let i = Math.floor(rand() * 4); i > 0; i--) obj[pick(keys)] = randomValue(rand, depth + 1);
      return obj;
    }
  }
}

describe('contract fuzzing over the WebSocket', () => {
  let t: InProcessTandem;
  beforeAll(async () => {
    t = await startInProcessTandem();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('answers 3,000 random calls and 200 garbage frames with typed results and stays up', async () => {
    const rand = prng(0x7a4d);
    const ws = t.connect();
    await new Promise((r) => ws.once('open', r));
    const answers = new Map<number, { ok: boolean; error?: { name: string; code: string } }>();
    let protocolErrors = 0;
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.type === 'result') answers.set(m.id, m.result);
      if (m.type === 'protocol-error') protocolErrors++;
    });
    const CALLS = 3000;
    const sent: string[] = [];
    for (let id = 0; id < CALLS; id++) {
      const method = rand() < 0.8 ? methodNames[Math.floor(rand() * methodNames.length)]! : JSON.stringify(randomValue(rand)) ?? 'undefined';
      const frame = JSON.stringify({ type: 'call', id, method, args: randomValue(rand) });
      sent.push(frame);
      ws.send(frame);
    }
    // None of these carries a usable call id, so each gets a protocol-error frame.
    const garbage = ['', '{', 'null', '[]', '{"type":"call"}', '{"type":"call","id":-1,"method":"hosts.list"}', '\u0000\u0001', '"x"'];
    for (let i = 0; i < 200; i++) ws.send(garbage[i % garbage.length]!);
    ws.send(Buffer.from([0xff, 0xfe, 0x00])); // a binary frame

    const deadline = Date.now() + 60_000;
    while ((answers.size < CALLS || protocolErrors < 201) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // Every call is answered for its own id, even those whose frame is malformed (an over-long method).
    expect(sent.filter((_, id) => !answers.has(id)).slice(0, 5)).toEqual([]);
    expect(answers.size).toBe(CALLS);
    expect(protocolErrors).toBe(201);
    const failures = [...answers.values()].filter((a) => !a.ok);
    expect(failures.length).toBeGreaterThan(CALLS / 2);
    // A fuzzer's payloads are the client's fault or the host's refusal, never our bug:
    expect(failures.filter((f) => f.error?.name === 'Internal')).toEqual([]);
    ws.close();

    // Still serving, on a fresh connection too.
    expect((await t.client.call('hosts.list', {})).map((h) => h.id)).toContain('demo');
    const again = t.connect();
    await new Promise((r) => again.once('open', r));
    again.close();
  });

  it('closes a connection that sends an oversized frame and keeps serving others', async () => {
    const ws = t.connect();
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.on('error', () => undefined);
    ws.send(JSON.stringify({ type: 'call', id: 1, method: 'vms.defineXml', args: { hostId: 'demo', xml: 'x'.repeat(3 * 1024 * 1024) } }));
    expect(await closed).toBe(1009); // message too big
    expect(await t.client.call('app.info', {})).toMatchObject({ mode: 'headless' });
  });
});
