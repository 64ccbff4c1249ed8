import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PlainMemoryStateStore } from './PlainMemoryStateStore';
import { emulatedTpmOf, loadTpmState, saveTpmState } from './tpmState';

const domain = (devices: string) => `<domain><name>d</name><devices>${devices}</devices></domain>`;

describe('TPM state of disk-only checkpoints', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tandem-tpm-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds an emulated TPM and its version; passthrough, external or none are not kept', () => {
    expect(emulatedTpmOf(domain(`<tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>`))).toEqual({ version: '2.0' });
    expect(emulatedTpmOf(domain(`<tpm model='tpm-tis'><backend type='emulator' version='1.2'/></tpm>`))).toEqual({ version: '1.2' });
    expect(emulatedTpmOf(domain(`<tpm model='tpm-crb'><backend type='emulator'/></tpm>`))).toEqual({ version: '2.0' });
    expect(emulatedTpmOf(domain(`<tpm model='tpm-tis'><backend type='passthrough'><device path='/dev/tpm0'/></backend></tpm>`))).toBeNull();
    expect(emulatedTpmOf(domain(`<tpm model='tpm-crb'><backend type='external'><source type='unix' mode='connect' path='/s'/></backend></tpm>`))).toBeNull();
    expect(emulatedTpmOf(domain(''))).toBeNull();
  });

  it('keeps the files byte for byte (in a private file with the plain store), and refuses a missing or damaged copy with typed errors', async () => {
    const store = new PlainMemoryStateStore();
    const owner = { vmUuid: 'vm', checkpointId: 'c' };
    const path = join(dir, 'c.tpm');
    const files = [{ name: 'tpm2-00.permall', data: Buffer.from([0, 1, 2, 255, 10]) }];
    await saveTpmState(store, path, owner, files);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await loadTpmState(store, path, owner, 'c')).toEqual(files);
    await expect(loadTpmState(store, join(dir, 'gone.tpm'), owner, 'c')).rejects.toMatchObject({ code: 'checkpoint.tpm-state-missing' });
    await writeFile(path, '{"version":1,"files":[{"name":"../x","base64":""}]}');
    await expect(loadTpmState(store, path, owner, 'c')).rejects.toMatchObject({ code: 'checkpoint.tpm-state-unreadable' });
    await writeFile(path, 'not json');
    await expect(loadTpmState(store, path, owner, 'c')).rejects.toMatchObject({ code: 'checkpoint.tpm-state-unreadable' });
  });
});
