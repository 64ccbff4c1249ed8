import { describe, expect, it } from 'vitest';
import { Emitter } from '../Emitter';
import type { Disposable, HostSession } from '../hosts/HostDriver';
import type { HostSessionOpened } from '../hosts/HostManager';
import { flush, ManualClock, ScriptedSession } from '../testing/scripted';
import type { NetworksChanged, NetworkSummary } from './networkSchemas';
import { NetworkWatch } from './NetworkWatch';

const summary = (name: string): NetworkSummary => ({
  hostId: 'h',
  name,
  uuid: name,
  mode: 'isolated',
  bridge: null,
  forwardDevice: null,
  subnets: [],
  dhcpRange: null,
  active: true,
  persistent: true,
  autostart: true,
  vms: [],
});

function setup() {
  const clock = new ManualClock();
  const hosts = { sessionOpened: new Emitter<HostSessionOpened>(), sessionClosed: new Emitter<string>() };
  const signals = new Map<HostSession, () => void>();
  const disposed: HostSession[] = [];
  let names = ['a'];
  let listings = 0;
  let release: (() => void) | undefined;
  let holdNext = false;
  const watch = new NetworkWatch({
    hosts,
    clock,
    settleMs: 100,
    events: {
      async watch(session, changed): Promise<Disposable> {
        signals.set(session, changed);
        return { dispose: () => void disposed.push(session) };
      },
    },
    async list() {
      listings++;
      const snapshot = names.map(summary);
      if (holdNext) {
        holdNext = false;
        await new Promise<void>((r) => (release = r));
      }
      return snapshot;
    },
  });
  const sent: NetworksChanged[] = [];
  watch.changed.on((c) => sent.push(c));
  return {
    clock,
    hosts,
    watch,
    sent,
    signals,
    disposed,
    setNames: (n: string[]) => (names = n),
    listings: () => listings,
    hold: () => (holdNext = true),
    release: () => release?.(),
  };
}

describe('NetworkWatch', () => {
  it('lists once for a burst of events, after they settle, and sends the list', async () => {
    const t = setup();
    const session = new ScriptedSession();
    t.hosts.sessionOpened.emit({ hostId: 'h', session });
    await flush();
    expect(t.listings()).toBe(0); // nothing is listed until something changes
    const changed = t.signals.get(session)!;
    changed();
    changed();
    await t.clock.advance(50);
    changed();
    await t.clock.advance(60);
    expect(t.sent).toEqual([{ hostId: 'h', networks: [summary('a')] }]);
    expect(t.listings()).toBe(1);
  });

  it('lists again after a listing when a change came during it, so the last list sent is the newest', async () => {
    const t = setup();
    const session = new ScriptedSession();
    t.hosts.sessionOpened.emit({ hostId: 'h', session });
    await flush();
    t.hold();
    t.watch.refresh('h');
    await t.clock.advance(100); // the first listing is held
    t.setNames(['a', 'b']);
    t.signals.get(session)!();
    await t.clock.advance(100); // its timer fires while the first listing runs: marked for after it
    expect(t.listings()).toBe(1);
    t.release();
    await flush();
    await t.clock.advance(100);
    expect(t.sent.map((c) => c.networks.map((n) => n.name))).toEqual([['a'], ['a', 'b']]);
  });

  it('stops with the session: the subscription is released and a pending listing is not sent', async () => {
    const t = setup();
    const session = new ScriptedSession();
    t.hosts.sessionOpened.emit({ hostId: 'h', session });
    await flush();
    t.watch.refresh('h');
    t.hosts.sessionClosed.emit('h');
    await t.clock.advance(200);
    expect(t.sent).toEqual([]);
    expect(t.disposed).toEqual([session]);
    t.watch.refresh('h'); // a host without a session is not listed
    await t.clock.advance(200);
    expect(t.listings()).toBe(0);
  });

  it('a reconnect follows the new session, and dispose releases everything', async () => {
    const t = setup();
    const first = new ScriptedSession();
    const second = new ScriptedSession();
    t.hosts.sessionOpened.emit({ hostId: 'h', session: first });
    t.hosts.sessionOpened.emit({ hostId: 'h', session: second });
    await flush();
    expect(t.disposed).toEqual([first]);
    t.watch.dispose();
    expect(t.disposed).toEqual([first, second]);
    t.hosts.sessionOpened.emit({ hostId: 'h', session: first });
    await flush();
    expect(t.disposed).toEqual([first, second]);
  });
});
