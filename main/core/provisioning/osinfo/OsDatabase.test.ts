import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../logging';
import { GiB } from '../units';
import { LazyOsDatabase, OsDatabase, compareVersions, parseOsinfoXml } from './OsDatabase';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'osinfo');
const INSTALLED = '/usr/share/osinfo';

function collectingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (message: string) => void lines.push(message);
  return { lines, debug: push, info: push, warn: push, error: push };
}

describe('the installed osinfo database (Debian package osinfo-db)', () => {
  let db: OsDatabase;
  beforeAll(async () => {
    // scripts/setup.sh installs osinfo-db; a missing db is a setup failure, not a reason to skip.
    expect(existsSync(join(INSTALLED, 'os')), 'osinfo-db is not installed (scripts/setup.sh installs it)').toBe(true);
    db = await OsDatabase.load([INSTALLED], collectingLogger());
  });

  it('loads every OS file, skipping only the driver add-ons', () => {
    expect(db.size).toBeGreaterThan(700);
    expect(db.skipped.filter((s) => !s.reason.startsWith('drivers for'))).toEqual([]);
  });

  // The figures below are read from /usr/share/osinfo/os/debian.org/debian-11.xml (osinfo-db 20221130).
  it('states Debian 11 as the XML does', () => {
    const debian = db.get('debian11')!;
    expect(db.get('http://debian.org/debian/11')).toBe(debian);
    expect(db.get('debianbullseye')).toBe(debian);
    expect(debian).toMatchObject({ name: 'Debian 11', vendor: 'Debian Project', family: 'linux', distro: 'debian', version: '11' });
    expect(debian.releaseDate).toBe('2021-08-14');
    expect(debian.codename).toBe('bullseye');
    expect(db.minimum(debian, 'x86_64')).toEqual({ cpus: 1, cpuHz: 1e9, ramBytes: 1 * GiB, storageBytes: 10 * GiB });
    expect(db.recommended(debian, 'x86_64')).toEqual({ cpuHz: 1e9, ramBytes: 1 * GiB, storageBytes: 20 * GiB });
    expect(debian.images).toContainEqual({
      arch: 'x86_64',
      format: 'qcow2',
      cloudInit: true,
      variant: 'genericcloud',
      url: 'https://cdimage.debian.org/cdimage/cloud/bullseye/latest/debian-11-genericcloud-amd64.qcow2',
    });
    expect(debian.media.filter((m) => m.arch === 'x86_64').map((m) => m.url)).toContain(
      'https://cdimage.debian.org/cdimage/release/11.5.0/amd64/iso-cd/debian-11.5.0-amd64-netinst.iso',
    );
    expect(db.firmwareNeeds(debian, 'x86_64')).toEqual({ uefiRequired: false, uefiSupported: true, secureBootRequired: false });
  });

  // From ubuntu.com/ubuntu-22.04.xml.
  it('states Ubuntu 22.04 LTS as the XML does', () => {
    const ubuntu = db.get('ubuntu22.04')!;
    expect(ubuntu.name).toBe('Ubuntu 22.04 LTS');
    expect(ubuntu.shortIds).toEqual(['ubuntu22.04', 'ubuntujammy', 'ubuntu-lts-latest', 'ubuntu-stable-latest']);
    expect(db.minimum(ubuntu, 'x86_64')).toEqual({ cpus: 1, cpuHz: 1e9, ramBytes: 2 * GiB, storageBytes: 10 * GiB });
    expect(db.recommended(ubuntu, 'x86_64')).toEqual({ cpuHz: 2e9, ramBytes: 4 * GiB, storageBytes: 25 * GiB });
    expect(ubuntu.images.map((i) => `${i.arch}/${i.format}`)).toEqual(
      expect.arrayContaining(['x86_64/qcow2', 'aarch64/qcow2', 'x86_64/vmdk']),
    );
  });

  // From microsoft.com/win-11.xml: BIOS marked unsupported, so UEFI is required.
  it('knows that Windows 11 needs UEFI and its minimums', () => {
    const win = db.get('win11')!;
    expect(win.family).toBe('winnt');
    expect(db.firmwareNeeds(win, 'x86_64')).toEqual({ uefiRequired: true, uefiSupported: true, secureBootRequired: false });
    expect(db.minimum(win, 'x86_64')).toEqual({ cpus: 2, cpuHz: 1e9, ramBytes: 4 * GiB, storageBytes: 64 * GiB });
  });

  // rockylinux.org/rocky-9.0.xml has `<resources arch="all" inherit="true"/>` and derives from rocky-9.xml.
  it('follows resource inheritance (Rocky 9.0 inherits Rocky 9)', () => {
    const rocky = db.get('rocky9.0')!;
    expect(rocky.eolDate).toBe('2022-08-02');
    expect(db.minimum(rocky, 'x86_64')).toMatchObject({ ramBytes: 1.5 * GiB, storageBytes: 10 * GiB });
    expect(db.minimum(rocky, 'aarch64')).toMatchObject({ ramBytes: 2 * GiB, storageBytes: 10 * GiB });
  });

  it('orders the releases of a distro by version', () => {
    const ubuntu = db.releasesOf('ubuntu').map((o) => o.version);
    expect(ubuntu.indexOf('20.04')).toBeLessThan(ubuntu.indexOf('22.04'));
    expect(ubuntu.indexOf('9.10')).toBeLessThan(ubuntu.indexOf('10.04'));
  });
});

describe('edge cases (checked-in fixtures)', () => {
  let db: OsDatabase;
  let log: ReturnType<typeof collectingLogger>;
  beforeAll(async () => {
    log = collectingLogger();
    db = await OsDatabase.load([FIXTURES], log);
  });

  const reasonFor = (name: string) => db.skipped.find((s) => s.file.endsWith(name))?.reason;

  it('skips what it does not understand, with the reason, and keeps the rest', () => {
    expect(db.size).toBe(9);
    expect(reasonFor('malformed.xml')).toMatch(/not well-formed XML/);
    expect(reasonFor('wrong-root.xml')).toBe('root element is <something-else>, not <libosinfo>');
    expect(reasonFor('no-os.xml')).toMatch(/no <os> element/);
    expect(reasonFor('bad-number.xml')).toBe('http://edge.example/badram/1: <ram> is not a non-negative integer: "lots"');
    expect(reasonFor('unknown-status.xml')).toMatch(/unknown release-status "someday"/);
    expect(reasonFor('no-id.xml')).toBe('<os> without an id');
    expect(reasonFor('bad-firmware.xml')).toMatch(/unknown firmware type "coreboot"/);
    expect(reasonFor('bad-date.xml')).toMatch(/not a YYYY-MM-DD date: "last spring"/);
    expect(reasonFor('win-x.d/drivers.xml')).toMatch(/drivers for an OS/);
    expect(log.lines.some((l) => l.includes('osinfo file(s) skipped'))).toBe(true);
  });

  it('does not let a driver add-on replace the OS it extends', () => {
    expect(db.get('win11')!.name).toBe('Microsoft Windows 11');
  });

  it('reads an element it does not model without complaint', () => {
    expect(db.get('child2')!.releaseStatus).toBe('rolling');
  });

  it('takes an arch block over "all", field by field, then what it inherits', () => {
    const parent = db.get('parent1')!;
    expect(db.minimum(parent, 'x86_64')).toEqual({ cpus: 1, ramBytes: 768 * 2 ** 20, storageBytes: GiB });
    expect(db.minimum(parent, 'aarch64')).toEqual({ cpus: 1, ramBytes: 512 * 2 ** 20, storageBytes: GiB });
    const child = db.get('child2')!;
    expect(db.minimum(child, 'x86_64')).toEqual({ cpus: 2, ramBytes: 768 * 2 ** 20, storageBytes: GiB });
    const debian = db.get('debian12')!;
    expect(db.minimum(debian, 'aarch64').ramBytes).toBe(2 * GiB);
    expect(db.minimum(debian, 'x86_64').ramBytes).toBe(GiB);
    expect(db.recommended(debian, 'x86_64')).toEqual({ ramBytes: 2 * GiB, storageBytes: 20 * GiB });
  });

  it('reads UEFI and Secure Boot needs when the db states them', () => {
    expect(db.firmwareNeeds(db.get('win11')!, 'x86_64')).toEqual({ uefiRequired: true, uefiSupported: true, secureBootRequired: true });
    expect(db.firmwareNeeds(db.get('win11')!, 'aarch64')).toEqual({ uefiRequired: false, uefiSupported: true, secureBootRequired: false });
  });

  it('uses the untranslated name, and the cloud image user', () => {
    expect(db.get('ubuntu24.04')!.name).toBe('Ubuntu 24.04 LTS');
    expect(db.get('debian12')!.cloudImageUsername).toBe('debian');
    expect(db.get('ubuntu24.10')!.eolDate).toBe('2025-07-10');
  });

  it('reports a missing database folder instead of failing', async () => {
    const quiet = collectingLogger();
    const empty = await OsDatabase.load([join(FIXTURES, 'nowhere')], quiet);
    expect(empty.size).toBe(0);
    expect(empty.skipped[0]!.reason).toMatch(/no osinfo database here/);
    expect(quiet.lines.some((l) => l.includes('no operating system found'))).toBe(true);
  });

  it('parses a file with several OSes', () => {
    const text = `<libosinfo><os id="a"><short-id>a</short-id><name>A</name></os><os id="b"><name>B</name></os></libosinfo>`;
    const [a, b] = parseOsinfoXml(text, 'two.xml');
    expect(a).toMatchObject({ id: 'a', shortId: 'a', releaseStatus: 'released' });
    expect(b).toEqual({ file: 'two.xml', reason: 'b: no short-id or no name' });
  });

  it('loads lazily, once, and retries after a failure', async () => {
    let calls = 0;
    const lazy = new LazyOsDatabase(async () => {
      calls++;
      if (calls === 1) throw new Error('disk gone');
      return db;
    });
    await expect(lazy.get()).rejects.toThrow('disk gone');
    expect(await lazy.get()).toBe(db);
    expect(await lazy.get()).toBe(db);
    expect(calls).toBe(2);
  });

  it('compares versions numerically', () => {
    expect(compareVersions('9', '10')).toBeLessThan(0);
    expect(compareVersions('22.04', '22.10')).toBeLessThan(0);
    expect(compareVersions('24.04', '24.04')).toBe(0);
  });
});
