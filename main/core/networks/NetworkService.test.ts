import { describe, expect, it } from 'vitest';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import type { HostDomainAttachment, HostNetwork, NetworkPort } from './NetworkPort';
import { NetworkService } from './NetworkService';

/** A host's networks in memory, as libvirt would keep them (the XML is what NetworkService built). */
class ScriptedNetworks implements NetworkPort {
  readonly networks = new Map<string, HostNetwork>();
  domains: HostDomainAttachment[] = [];
  readonly calls: string[] = [];
  async listNetworks() {
    return [...this.networks.values()].map((n) => ({ ...n }));
  }
  async listDomains() {
    return this.domains;
  }
  async define(_h: string, xml: string, options: { start: boolean; autostart: boolean }) {
    const name = /<name>([^<]+)<\/name>/.exec(xml)![1]!;
    this.calls.push(`define ${name}`);
    this.networks.set(name, { name, uuid: `uuid-${name}`, xml, active: options.start, persistent: true, autostart: options.autostart });
    return `uuid-${name}`;
  }
  async remove(_h: string, name: string) {
    this.calls.push(`remove ${name}`);
    this.networks.delete(name);
  }
  async setActive(_h: string, name: string, active: boolean) {
    this.calls.push(`${active ? 'start' : 'stop'} ${name}`);
    this.networks.get(name)!.active = active;
  }
  async setAutostart(_h: string, name: string, autostart: boolean) {
    this.calls.push(`autostart ${name} ${autostart}`);
    this.networks.get(name)!.autostart = autostart;
  }
}

function setup() {
  const port = new ScriptedNetworks();
  const changed: string[] = [];
  const service = new NetworkService(port, { changed: (hostId) => changed.push(hostId) });
  return { port, service, changed };
}

describe('NetworkService', () => {
  it('creates a NAT network with its own DHCP range and forward device, and says so', async () => {
    const { port, service, changed } = setup();
    const created = await service.create({ hostId: 'h', name: 'office', mode: 'nat', subnet: '10.60.0.0/24', dhcpRange: { start: '10.60.0.100', end: '10.60.0.199' }, forwardDevice: 'eth0' });
    expect(created).toMatchObject({ name: 'office', mode: 'nat', forwardDevice: 'eth0', subnets: ['10.60.0.0/24'], dhcpRange: { start: '10.60.0.100', end: '10.60.0.199' }, active: true, autostart: true });
    expect(port.networks.get('office')!.xml).toContain('<forward mode="nat" dev="eth0"/>');
    expect(changed).toEqual(['h']);
  });

  it('refuses with the first problem at its field and creates nothing', async () => {
    const { port, service } = setup();
    await service.create({ hostId: 'h', name: 'a', mode: 'isolated', subnet: '10.61.0.0/24' });
    const refusal = (input: object) => service.create({ hostId: 'h', mode: 'isolated', ...input } as never).then(() => undefined, (e: unknown) => e);
    const overlap = await refusal({ name: 'b', subnet: '10.61.0.0/23' });
    expect(overlap).toBeInstanceOf(ConflictError);
    expect(overlap).toMatchObject({ code: 'network.subnet-overlap', details: { field: 'subnet', network: 'a' } });
    const range = await refusal({ name: 'b', subnet: '10.62.0.0/24', dhcpRange: { start: '10.62.0.20', end: '10.62.0.10' } });
    expect(range).toBeInstanceOf(InvalidInputError);
    expect(range).toMatchObject({ code: 'network.dhcp-range-invalid', details: { field: 'dhcpRange.end' } });
    expect(await refusal({ name: 'b', subnet: '10.62.0.0/24', mode: 'bogus' })).toMatchObject({ code: 'network.invalid', details: { field: 'mode' } });
    expect([...port.networks.keys()]).toEqual(['a']);
  });

  it('starts, stops and sets autostart, refusing what is already so', async () => {
    const { port, service, changed } = setup();
    await service.create({ hostId: 'h', name: 'n', mode: 'isolated', subnet: '10.63.0.0/24', start: false });
    expect(await service.start({ hostId: 'h', name: 'n' })).toMatchObject({ active: true });
    await expect(service.start({ hostId: 'h', name: 'n' })).rejects.toMatchObject({ code: 'network.active' });
    expect(await service.stop({ hostId: 'h', name: 'n' })).toMatchObject({ active: false });
    await expect(service.stop({ hostId: 'h', name: 'n' })).rejects.toBeInstanceOf(ConflictError);
    expect(await service.setAutostart({ hostId: 'h', name: 'n' }, false)).toMatchObject({ autostart: false });
    await expect(service.start({ hostId: 'h', name: 'gone' })).rejects.toBeInstanceOf(NotFoundError);
    expect(port.calls).toEqual(['define n', 'start n', 'stop n', 'autostart n false']);
    expect(changed).toEqual(['h', 'h', 'h', 'h']);
  });

  it('refuses to delete a network VMs use, naming them, and deletes it once they are gone', async () => {
    const { port, service } = setup();
    await service.create({ hostId: 'h', name: 'n', mode: 'isolated', subnet: '10.64.0.0/24' });
    port.domains = [{ vmName: 'web', xml: "<domain><devices><interface type='network'><source network='n'/></interface></devices></domain>" }];
    expect((await service.list('h'))[0]!.vms).toEqual(['web']);
    await expect(service.delete({ hostId: 'h', name: 'n' })).rejects.toMatchObject({ code: 'network.in-use', details: { vms: ['web'] } });
    port.domains = [];
    await service.delete({ hostId: 'h', name: 'n' });
    expect(port.networks.size).toBe(0);
  });
});
