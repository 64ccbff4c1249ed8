import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatKiB,
  formatMiB,
  formatStateReason,
  hostStatusLabel,
  isVmActive,
  vmStateLabel,
  vmStateTone,
} from './format';

describe('formatBytes', () => {
  it('uses binary units and drops needless decimals', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1024)).toBe('1 KiB');
    expect(formatBytes(512 * 1024 * 1024)).toBe('512 MiB');
    expect(formatBytes(2 * 1024 ** 3)).toBe('2 GiB');
    expect(formatBytes(1.5 * 1024 ** 3)).toBe('1.5 GiB');
    expect(formatBytes(1.25 * 1024 ** 3)).toBe('1.25 GiB');
    expect(formatBytes(3 * 1024 ** 4)).toBe('3 TiB');
  });

  it('rounds long fractions', () => {
    expect(formatBytes(1000 * 1024 * 1024)).toBe('1000 MiB');
    expect(formatBytes(12.345 * 1024 ** 2)).toBe('12.3 MiB');
    expect(formatBytes(1.999 * 1024 ** 2)).toBe('2 MiB');
  });

  it('shows a dash for nonsense', () => {
    expect(formatBytes(-1)).toBe('—');
    expect(formatBytes(Number.NaN)).toBe('—');
  });
});

describe('formatMiB', () => {
  it('shows whole GiB as GiB and anything else in MiB', () => {
    expect(formatMiB(2048)).toBe('2 GiB');
    expect(formatMiB(1024)).toBe('1 GiB');
    expect(formatMiB(1536)).toBe('1536 MiB');
    expect(formatMiB(512)).toBe('512 MiB');
  });
});

describe('formatKiB', () => {
  it('formats libvirt memory sizes', () => {
    expect(formatKiB(524288)).toBe('512 MiB');
    expect(formatKiB(2097152)).toBe('2 GiB');
    expect(formatKiB(8)).toBe('8 KiB');
  });
});

describe('state labels', () => {
  it('labels every VM state and gives it a tone', () => {
    expect(vmStateLabel('running')).toBe('Running');
    expect(vmStateLabel('shutoff')).toBe('Shut off');
    expect(vmStateTone('running')).toBe('ok');
    expect(vmStateTone('paused')).toBe('warn');
    expect(vmStateTone('shutoff')).toBe('off');
    expect(vmStateTone('crashed')).toBe('bad');
  });

  it('counts running and blocked guests as active', () => {
    expect(isVmActive('running')).toBe(true);
    expect(isVmActive('blocked')).toBe(true);
    expect(isVmActive('paused')).toBe(false);
    expect(isVmActive('shutoff')).toBe(false);
  });

  it('labels host statuses', () => {
    expect(hostStatusLabel('auth-failed')).toBe('Authentication failed');
    expect(hostStatusLabel('connected')).toBe('Connected');
  });

  it('formats libvirt state reasons', () => {
    expect(formatStateReason('booted')).toBe('Booted');
    expect(formatStateReason('from_snapshot')).toBe('From snapshot');
    expect(formatStateReason('unknown')).toBe('');
    expect(formatStateReason('')).toBe('');
  });
});
