import { describe, expect, it } from 'vitest';
import type { InstallMediaEntry } from '../../../preload/api/provisioning';
import { ANY_CHOICE, PATH_CHOICE, UNLISTED_CHOICE, choiceOf, entryKey, entryLabel, mediaOfEntry, mediaText } from './installMediaChoice';

const netinst: InstallMediaEntry = {
  hostId: 'h1',
  hostName: 'server',
  pool: 'isos',
  volume: 'debian-11.5.0-amd64-netinst.iso',
  path: '/srv/isos/debian-11.5.0-amd64-netinst.iso',
  sizeBytes: 389 * 2 ** 20,
  osinfoId: 'debian11',
  osName: 'Debian 11',
};
const sameOnOther: InstallMediaEntry = { ...netinst, hostId: 'h2', hostName: 'laptop' };

describe('the install media choice', () => {
  it('names an entry by file, host, pool, size and OS; the request gets its pool volume', () => {
    expect(entryLabel(netinst)).toBe('debian-11.5.0-amd64-netinst.iso on server (pool isos, 389 MiB, Debian 11)');
    expect(mediaOfEntry(netinst)).toEqual({ kind: 'volume', pool: 'isos', volume: 'debian-11.5.0-amd64-netinst.iso' });
    expect(mediaOfEntry({ hostId: 'h', hostName: 'h', path: '/home/me/x.iso', sizeBytes: 1 })).toEqual({ kind: 'path', path: '/home/me/x.iso' });
    expect(entryKey(netinst)).not.toBe(entryKey(sameOnOther));
  });

  it('shows the option of the medium: listed, a typed path, a volume no host lists, or any', () => {
    const entries = [netinst, sameOnOther];
    expect(choiceOf(undefined, entries)).toBe(ANY_CHOICE);
    expect(choiceOf(mediaOfEntry(netinst), entries)).toBe(entryKey(netinst));
    expect(choiceOf({ kind: 'path', path: '' }, entries)).toBe(PATH_CHOICE);
    expect(choiceOf({ kind: 'path', path: netinst.path }, entries)).toBe(PATH_CHOICE);
    expect(choiceOf({ kind: 'volume', pool: 'isos', volume: 'gone.iso' }, entries)).toBe(UNLISTED_CHOICE);
    expect(mediaText({ kind: 'volume', pool: 'isos', volume: 'gone.iso' })).toBe('isos/gone.iso');
  });
});
