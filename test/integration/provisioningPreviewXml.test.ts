/**
 * `provisioning.previewXml` through the contract on the embedded demo host: the domain XML a deploy would
 * define (same checks, same volume and seed names), with nothing created; the same field errors as deploy.
 */
import { DOMParser } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContractCallError } from '../../preload/client';
import { callError, startInProcessTandem, type InProcessTandem } from '../support/inProcessTandem';

const request = {
  os: { osinfoId: 'debian11', source: 'cloud-image' as const },
  hardware: { vcpus: 2, memoryMiB: 1024, disks: [{ sizeGiB: 10 }, { sizeGiB: 4 }], nics: [{ network: 'default' }] },
  apps: [],
};

describe('provisioning.previewXml on the demo host', () => {
  let t: InProcessTandem;
  beforeAll(async () => {
    t = await startInProcessTandem();
    await t.tandem.ready();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('returns the domain XML deploy would define, and creates nothing', async () => {
    const before = await t.client.call('vms.list', { hostId: 'demo' });
    const { xml } = await t.client.call('provisioning.previewXml', { hostId: 'demo', name: 'preview-vm', request });
    const domain = new DOMParser().parseFromString(xml, 'text/xml').documentElement!;
    expect(domain.tagName).toBe('domain');
    expect(domain.getElementsByTagName('name')[0]!.textContent).toBe('preview-vm');
    expect(domain.getElementsByTagName('vcpu')[0]!.textContent).toBe('2');
    const sources = Array.from(domain.getElementsByTagName('source'))
      .filter((s) => s.getAttribute('volume'))
      .map((s) => `${s.getAttribute('pool')}/${s.getAttribute('volume')}`);
    expect(sources).toEqual(['default/preview-vm-disk0.qcow2', 'default/preview-vm-disk1.qcow2', 'default/preview-vm-seed.iso']);
    expect(await t.client.call('vms.list', { hostId: 'demo' })).toHaveLength(before.length);
    // Nothing was reserved: the same name previews again.
    await t.client.call('provisioning.previewXml', { hostId: 'demo', name: 'preview-vm', request });
  });

  it('refuses with the field errors of deploy', async () => {
    const taken = (await callError(t.client.call('provisioning.previewXml', { hostId: 'demo', name: 'web-frontend', request }))) as ContractCallError;
    expect(taken).toMatchObject({ errorName: 'Conflict', code: 'deploy.name-taken', details: { field: 'name' } });
    const noNet = (await callError(
      t.client.call('provisioning.previewXml', { hostId: 'demo', name: 'x1', request: { ...request, hardware: { ...request.hardware, nics: [{ network: 'nowhere' }] } } }),
    )) as ContractCallError;
    expect(noNet).toMatchObject({ errorName: 'InvalidInput', details: { field: 'request.hardware.nics.0.network' } });
    const badName = (await callError(t.client.call('provisioning.previewXml', { hostId: 'demo', name: 'a/b', request }))) as ContractCallError;
    expect(badName.errorName).toBe('InvalidInput');
  });
});
