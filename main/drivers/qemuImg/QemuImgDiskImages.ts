/**
 * Offline disk image operations for the checkpoint engine with qemu-img (Debian's qemu-utils). The images
 * must be visible on this machine's file system: true for local hosts and the test bed (remote hosts would
 * need libvirt storage volumes instead; not done yet).
 */
import { execFile } from 'node:child_process';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { DiskImages } from '../../core/checkpoints/ports';
import { OperationFailedError } from '../../core/errors';
import { allocatedBytes } from '../../core/storage/allocatedBytes';

const execFileAsync = promisify(execFile);

async function qemuImg(args: string[]): Promise<string> {
  try {
    return (await execFileAsync('qemu-img', args, { maxBuffer: 4 * 1024 * 1024 })).stdout;
  } catch (error) {
    const e = error as Error & { stderr?: string };
    throw new OperationFailedError('checkpoint.qemu-img', `qemu-img ${args[0]} failed: ${e.stderr?.trim() || e.message}`, {
      details: { args },
      cause: error,
    });
  }
}

export class QemuImgDiskImages implements DiskImages {
  async exists(path: string): Promise<boolean> {
    return access(path).then(
      () => true,
      () => false,
    );
  }

  async createOverlay(path: string, backing: string, backingFormat: string): Promise<void> {
    await qemuImg(['create', '-q', '-f', 'qcow2', '-b', backing, '-F', backingFormat, path]);
  }

  async backingOf(path: string): Promise<string | null> {
    const info = JSON.parse(await qemuImg(['info', '-U', '--output=json', path])) as { 'full-backing-filename'?: string; 'backing-filename'?: string };
    return info['full-backing-filename'] ?? info['backing-filename'] ?? null;
  }

  sizeOnDisk(path: string): Promise<number> {
    return allocatedBytes(path);
  }

  async commit(top: string, base: string): Promise<void> {
    await qemuImg(['commit', '-q', '-b', base, top]);
  }

  async rebase(path: string, newBase: string | null, newBaseFormat: string): Promise<void> {
    await qemuImg(['rebase', '-q', '-U', '-f', 'qcow2', ...(newBase ? ['-b', newBase, '-F', newBaseFormat] : ['-b', '']), path]);
  }

  async relink(path: string, newBase: string, newBaseFormat: string): Promise<void> {
    await qemuImg(['rebase', '-q', '-u', '-f', 'qcow2', '-b', newBase, '-F', newBaseFormat, path]);
  }

  async flattenCopy(source: string, dest: string): Promise<void> {
    await qemuImg(['convert', '-q', '-O', 'qcow2', source, dest]);
  }

  async remove(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  async rename(from: string, to: string): Promise<void> {
    await rename(from, to);
  }

  async ensureFolder(path: string): Promise<void> {
    await mkdir(path, { recursive: true });
  }
}
