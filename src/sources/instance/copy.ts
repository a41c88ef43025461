import { constants, statfsSync } from 'node:fs';
import { chmod, chown, copyFile, lstat, mkdir, readdir, realpath, stat, symlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { RowbackError } from '../../core/errors.js';
import type { OsUser } from '../../servers/os-user.js';
import { sleep } from './wait.js';

/**
 * Private copies of backups. The backup itself is only ever read: a server started on it would write
 * into it (WAL, a new timeline, hint bits), so every server runs on a copy in a temp dir.
 */

/** Bytes under `dir`, following symlinks to directories (tablespaces live outside the backup dir). */
export async function treeSize(
  dir: string,
  skip: (relative: string) => boolean = () => false,
): Promise<number> {
  let total = 0;
  const walk = async (path: string, relative: string): Promise<void> => {
    if (relative && skip(relative)) return;
    const info = await stat(path);
    if (!info.isDirectory()) {
      total += info.size;
      return;
    }
    for (const name of await readdir(path))
      await walk(join(path, name), relative ? `${relative}/${name}` : name);
  };
  await walk(dir, '');
  return total;
}

/** Free bytes for an unprivileged writer on the file system holding `dir`. */
export function freeBytes(dir: string): number {
  const info = statfsSync(dir);
  return Number(info.bavail) * Number(info.bsize);
}

/** Refuses before copying when the copy (plus `headroom`) would not fit. */
export function checkSpace(what: string, needed: number, dir: string, headroom: number): void {
  const free = freeBytes(dir);
  if (needed + headroom <= free) return;
  throw new RowbackError(
    'unsupported',
    `Not enough disk space for a private copy of ${what}: it needs ${formatBytes(needed + headroom)} (${formatBytes(needed)} plus ${formatBytes(headroom)} to work in), and ${dir} has ${formatBytes(free)} free.`,
    {
      hint: 'Point TMPDIR at a file system with more room (TMPDIR=/big/disk rowback …); rowback never works in the backup itself.',
    },
  );
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.ceil(bytes / 1024)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

export interface CopyOptions {
  /** Entries (paths relative to the source, `/`-separated) not to copy. */
  skip?(relative: string): boolean;
  /** Where a symlinked directory goes instead of inside the copy (tablespaces); default: inside. */
  relocate?(relative: string): string | undefined;
  /** Owner of everything copied (the server's OS user when rowback runs as root). */
  owner?: OsUser | undefined;
  /** Bytes copied so far. */
  onBytes?(copied: number): void;
  signal?: AbortSignal;
}

/**
 * Copies `from` into the new directory `to`, private (0700 dirs, 0600 files: they hold production rows),
 * following symlinks; clones blocks where the file system can.
 */
export async function copyTree(from: string, to: string, options: CopyOptions = {}): Promise<void> {
  let copied = 0;
  const walk = async (source: string, target: string, relative: string): Promise<void> => {
    if (options.signal?.aborted) await sleep(0, options.signal);
    const info = await lstat(source);
    if (info.isSymbolicLink()) {
      const elsewhere = options.relocate?.(relative);
      const real = await realpath(source);
      if (elsewhere && (await stat(real)).isDirectory()) {
        await walk(real, elsewhere, relative);
        await symlink(elsewhere, target);
        return;
      }
      await walk(real, target, relative);
      return;
    }
    if (info.isDirectory()) {
      await mkdir(target, { mode: 0o700, recursive: true });
      if (options.owner) await chown(target, options.owner.uid, options.owner.gid);
      for (const name of await readdir(source)) {
        const child = relative ? `${relative}/${name}` : name;
        if (options.skip?.(child)) continue;
        await walk(join(source, name), join(target, name), child);
      }
      return;
    }
    if (!info.isFile()) return;
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    await copyFile(source, target, constants.COPYFILE_FICLONE);
    await chmod(target, 0o600);
    if (options.owner) await chown(target, options.owner.uid, options.owner.gid);
    copied += info.size;
    options.onBytes?.(copied);
  };
  await walk(resolve(from), resolve(to), '');
}
