/**
 * Overlays made before a background snapshot's pause, so that libvirt's disk switch inside the pause only
 * opens them (VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT) instead of creating each one with blockdev-create and
 * waiting for that job (measured on the test bed: the switch took ~15-20 ms of a ~30-50 ms pause that way).
 *
 * Each is what libvirt's own blockdev-create would write: qcow2 whose header names the disk's current image
 * (absolute path, with its format) as backing file, with the guest-visible size of that image. libvirt reads
 * the chain from these headers when the domain next starts, so they must be exact. `-u` keeps qemu-img away
 * from the backing image, which the running QEMU holds locked; the size comes from libvirt instead.
 * Ownership and security labels: libvirt relabels the files it is given with REUSE_EXT as it does the ones it
 * creates (DAC chown to the QEMU user where dynamic_ownership is on, SELinux/AppArmor labels), before QEMU
 * opens them.
 *
 * The caller journals the paths before they are made (CheckpointEngine.take), so recovery removes them
 * after a crash; a failure before the pause removes them here (nothing switched yet).
 */
import { execFile } from 'node:child_process';
import { open, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Domain } from '../../../native-helpers/libvirt/lib/index';
import { domainDisks } from '../../core/checkpoints/domainDisks';
import { ConflictError, OperationFailedError } from '../../core/errors';
import { mapped } from './mapLibvirtError';

const execFileAsync = promisify(execFile);

/** Creates an overlay over each disk's current image; on a failure removes the ones made and throws. Returns the paths made. */
export async function createOverlays(dom: Domain, domainXml: string, overlays: { target: string; overlay: string }[]): Promise<string[]> {
  const disks = new Map(domainDisks(domainXml).map((d) => [d.target, d]));
  const made: string[] = [];
  try {
    for (const { target, overlay } of overlays) {
      const disk = disks.get(target);
      if (!disk) throw new OperationFailedError('checkpoint.overlay-disk', `The VM has no file-backed disk ${target} to put an overlay on`);
      const { capacity } = await mapped(() => dom.blockInfo(target));
      // Claimed first: qemu-img create would truncate a file already there, and only what this call made may be removed.
      const claimed = await open(overlay, 'wx', 0o600).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        throw new ConflictError('checkpoint.overlay-exists', `A file is already where the overlay for ${target} goes (${overlay}): left as it is`, { cause: error });
      });
      await claimed.close();
      made.push(overlay);
      await execFileAsync('qemu-img', ['create', '-q', '-f', 'qcow2', '-u', '-b', disk.source, '-F', disk.format, '-o', 'compat=1.1', overlay, String(capacity)], {
        env: { ...process.env, LC_ALL: 'C' },
      }).catch((error: unknown) => {
        throw new OperationFailedError('checkpoint.overlay-create', `Creating the overlay ${overlay} failed: ${(error as { stderr?: string }).stderr?.trim() || (error as Error).message}`);
      });
    }
  } catch (error) {
    await removeOverlays(made);
    throw error;
  }
  return made;
}

/** Removes overlays no disk was switched to. */
export async function removeOverlays(paths: string[]): Promise<void> {
  for (const path of paths) await rm(path, { force: true });
}
