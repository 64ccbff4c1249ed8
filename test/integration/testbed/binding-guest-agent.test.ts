/**
 * The binding's guest-agent, balloon and tunable calls and events against a real tiny guest on the test bed
 * that runs the real QEMU guest agent (qemu-ga on the org.qemu.guest_agent.0 channel, a data disk mounted on
 * /mnt/data for fsfreeze) and has a virtio balloon: the agent-lifecycle event when qemu-ga opens its port,
 * agent commands, fsfreeze / thaw counts, interface addresses from the agent, a live memory change firing
 * balloon-change and showing in bulk stats, and a live block I/O throttle firing the tunable event.
 * (The refusals for a guest without an agent are in binding-domain-host and binding-streams.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openConnection,
  subscribeDomainEvents,
  virConnectDomainEventAgentLifecycleReason as AgentReason,
  virConnectDomainEventAgentLifecycleState as AgentState,
  virConnectGetAllDomainStatsFlags as F,
  virDomainEventID as E,
  virDomainInterfaceAddressesSource as IfSource,
  virDomainMemoryModFlags as Mem,
  virDomainModificationImpact as Impact,
  virDomainQemuAgentCommandTimeoutValues as AgentTimeout,
  virDomainStatsTypes as S,
  type Connection,
  type Domain,
  type DomainEvent,
  type Subscription,
} from '../../../native-helpers/libvirt/lib/index';
import { expectLibvirtError, waitFor } from '../../../native-helpers/libvirt/test/helpers';
import { testbedOrFail } from '../../support/requireTestbed';
import { SERIAL, createTinyGuest, removeTinyGuest, serialLogSize, waitForSerial, type TinyGuest } from '../../testbed/tinyGuest';

const env = testbedOrFail();
const GUEST_DEADLINE_MS = 60_000;

describe.skipIf(!env)('libvirt binding: a real guest agent, balloon and tunables', () => {
  let conn: Connection;
  let guest: TinyGuest;
  let dom: Domain;
  const events: DomainEvent[] = [];
  const subscriptions: Subscription[] = [];
  const mine = (kind: DomainEvent['event']) => (e: DomainEvent) => e.event === kind && e.name === guest.name;

  const agent = async (execute: string, args?: unknown): Promise<unknown> => {
    const reply = await dom.qemuAgentCommand(JSON.stringify({ execute, ...(args ? { arguments: args } : {}) }), AgentTimeout.VIR_DOMAIN_QEMU_AGENT_COMMAND_DEFAULT);
    return (JSON.parse(reply) as { return: unknown }).return;
  };

  beforeAll(async () => {
    conn = await openConnection(env!.host1Uri);
    for (const id of [E.VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE, E.VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE, E.VIR_DOMAIN_EVENT_ID_TUNABLE]) {
      subscriptions.push(await subscribeDomainEvents(conn, id, (e) => events.push(e)));
    }
    guest = await createTinyGuest(env!, { name: `ga-${process.pid}`, agent: true, balloon: true });
    dom = await conn.defineDomainXML(guest.xml);
    await dom.create();
    await waitForSerial(guest.serialLogPath, SERIAL.agentStarted, GUEST_DEADLINE_MS);
    await waitForSerial(guest.serialLogPath, SERIAL.ready, GUEST_DEADLINE_MS);
  });

  afterAll(async () => {
    for (const sub of subscriptions) await sub.dispose().catch(() => undefined);
    if (dom) {
      await dom.destroy().catch(() => undefined);
      await dom.undefine().catch(() => undefined);
    }
    if (guest) await removeTinyGuest(guest);
    await conn?.close();
  });

  it('fires agent-lifecycle "connected" when qemu-ga opens its channel', async () => {
    const connected = await waitFor(events, (e) => mine('agent-lifecycle')(e) && e.event === 'agent-lifecycle' && e.state === AgentState.VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_CONNECTED, 30_000);
    expect(connected).toMatchObject({ uuid: guest.uuid, reason: AgentReason.VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_REASON_CHANNEL });
    expect(await dom.getXMLDesc()).toMatch(/<target type='virtio' name='org\.qemu\.guest_agent\.0' state='connected'\/>/);
  });

  it('answers guest-ping and guest-info through qemuAgentCommand', async () => {
    expect(await agent('guest-ping')).toEqual({});
    const info = (await agent('guest-info')) as { version: string; supported_commands: Array<{ name: string; enabled: boolean }> };
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    const enabled = info.supported_commands.filter((c) => c.enabled).map((c) => c.name);
    expect(enabled).toEqual(expect.arrayContaining(['guest-ping', 'guest-fsfreeze-freeze', 'guest-fsfreeze-thaw', 'guest-network-get-interfaces']));
    // An unknown command is the agent's own refusal, passed on by libvirt.
    const unknown = await expectLibvirtError(dom.qemuAgentCommand('{"execute":"guest-no-such-command"}', AgentTimeout.VIR_DOMAIN_QEMU_AGENT_COMMAND_DEFAULT), 'VIR_ERR_AGENT_COMMAND_FAILED', 'VIR_ERR_INTERNAL_ERROR');
    expect(unknown.message).toMatch(/guest-no-such-command/);
  });

  it('freezes and thaws the guest filesystems with real counts; the guest runs on', async () => {
    // One block-backed filesystem: the data disk on /mnt/data (the initramfs root is not on a device).
    expect(await dom.fsFreeze()).toBe(1);
    try {
      expect(await agent('guest-fsfreeze-status')).toBe('frozen');
      // A frozen agent refuses what could write to the guest's filesystems.
      const whileFrozen = await expectLibvirtError(agent('guest-network-get-interfaces'), 'VIR_ERR_INTERNAL_ERROR', 'VIR_ERR_AGENT_COMMAND_FAILED');
      expect(whileFrozen.message).toMatch(/the agent is in frozen state/);
    } finally {
      expect(await dom.fsThaw()).toBe(1);
    }
    expect(await agent('guest-fsfreeze-status')).toBe('thawed');
    // Thawing what is not frozen thaws nothing.
    expect(await dom.fsThaw()).toBe(0);
    // By mount point (guest-fsfreeze-freeze-list); libvirt's QEMU driver thaws only everything at once.
    expect(await dom.fsFreeze(['/mnt/data'])).toBe(1);
    try {
      const byMount = await expectLibvirtError(dom.fsThaw(['/mnt/data']), 'VIR_ERR_ARGUMENT_UNSUPPORTED');
      expect(byMount.message).toMatch(/specifying mountpoints is not supported/);
    } finally {
      expect(await dom.fsThaw()).toBe(1);
    }
    const from = await serialLogSize(guest.serialLogPath);
    await waitForSerial(guest.serialLogPath, SERIAL.counter, GUEST_DEADLINE_MS, { fromOffset: from });
  });

  it('lists interface addresses from the agent (the guest has loopback only)', async () => {
    const ifaces = await dom.interfaceAddresses(IfSource.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT);
    const lo = ifaces.find((i) => i.name === 'lo');
    expect(lo?.addrs).toEqual(expect.arrayContaining([{ type: 0, addr: '127.0.0.1', prefix: 8 }]));
    // The lease source needs a libvirt network; the guest has no NIC at all.
    expect(await dom.interfaceAddresses(IfSource.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE)).toEqual([]);
  });

  it('a live memory change fires balloon-change with the new size, and bulk stats show it', async () => {
    const target = 96 * 1024;
    await dom.setMemory(target, Mem.VIR_DOMAIN_MEM_LIVE);
    const change = await waitFor(events, (e) => mine('balloon-change')(e) && e.event === 'balloon-change' && e.actual === target, 30_000);
    expect(change).toMatchObject({ uuid: guest.uuid, actual: target });
    const [record] = await conn.getDomainStats([dom], S.VIR_DOMAIN_STATS_BALLOON, F.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS);
    expect(record?.stats).toMatchObject({ 'balloon.current': target, 'balloon.maximum': 128 * 1024 });
    // With the virtio balloon's stats period the guest's own view arrives too.
    let stats = record!.stats;
    for (let i = 0; i < 50 && typeof stats['balloon.available'] !== 'number'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      stats = (await conn.getDomainStats([dom], S.VIR_DOMAIN_STATS_BALLOON))[0]!.stats;
    }
    expect(stats['balloon.available']).toEqual(expect.any(Number));
    expect(stats['balloon.available'] as number).toBeLessThanOrEqual(target);
    // More than the maximum is refused.
    await expectLibvirtError(dom.setMemory(256 * 1024, Mem.VIR_DOMAIN_MEM_LIVE), 'VIR_ERR_INVALID_ARG');
  });

  it('a live block I/O throttle fires the tunable event with the new values', async () => {
    await dom.setBlockIoTune('vda', { total_bytes_sec: 10_000_000, total_iops_sec: 500 }, Impact.VIR_DOMAIN_AFFECT_LIVE);
    const tunable = await waitFor(events, (e) => mine('tunable')(e) && e.event === 'tunable' && e.params['blkdeviotune.total_bytes_sec'] === 10_000_000, 30_000);
    expect(tunable.event === 'tunable' && tunable.params).toMatchObject({
      'blkdeviotune.disk': 'vda',
      'blkdeviotune.total_bytes_sec': 10_000_000,
      'blkdeviotune.total_iops_sec': 500,
    });
    expect(await dom.getBlockIoTune('vda', Impact.VIR_DOMAIN_AFFECT_LIVE)).toMatchObject({ total_bytes_sec: 10_000_000, total_iops_sec: 500 });
  });
});
