import { chmod, type FileHandle, mkdir, open, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { RowbackError } from './errors.js';

/**
 * Where undo files and the audit log live. They hold production rows, so the directory is private to its
 * user (0700) and every file in it is 0600, whatever the umask.
 */

/** The state directory of rowback 0.1, relative to where it ran; still searched for undo files. */
export const LEGACY_STATE_DIR = '.rowback';

/** `$XDG_STATE_HOME/rowback`, else `~/.local/state/rowback` (the XDG base directory rules). */
export function defaultStateDir(): string {
  const xdg = process.env.XDG_STATE_HOME;
  // The XDG rules say a relative path in the variable is invalid and must be ignored.
  const base = xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.local', 'state');
  return join(base, 'rowback');
}

/** The absolute state directory for a `stateDir` option (default: the per-user one). */
export function resolveStateDir(option: string | undefined): string {
  return resolve(option ?? defaultStateDir());
}

export const PRIVATE_DIR = 0o700;
export const PRIVATE_FILE = 0o600;

/**
 * Creates `dir` (and missing parents) private to this user. An existing directory that others can read is
 * tightened to 0700 when it is ours; otherwise the returned warning says so. Throws RowbackError('usage')
 * when the directory cannot be created.
 */
export async function ensurePrivateDir(dir: string): Promise<string[]> {
  try {
    await mkdir(dir, { recursive: true, mode: PRIVATE_DIR });
    return await tighten(dir, PRIVATE_DIR);
  } catch (error) {
    throw new RowbackError(
      'usage',
      `Cannot use ${dir} for undo files and the audit log: ${(error as Error).message}`,
      { hint: 'Choose another directory with --state-dir.', cause: error },
    );
  }
}

/** Makes an existing file or directory no more open than `mode`, saying so; a warning when it is not ours. */
export async function tighten(path: string, mode: number): Promise<string[]> {
  const found = await stat(path).catch(() => undefined);
  if (!found || (found.mode & 0o777 & ~mode) === 0) return [];
  const was = (found.mode & 0o777).toString(8).padStart(4, '0');
  const mine = typeof process.getuid !== 'function' || found.uid === process.getuid();
  if (mine) {
    await chmod(path, found.mode & mode);
    const now = (found.mode & mode).toString(8).padStart(4, '0');
    return [`Made ${path} private (mode ${was} → ${now}): it holds production rows.`];
  }
  return [
    `${path} is readable by other users (mode ${was}) and belongs to another user, so rowback cannot make it private; it holds production rows.`,
  ];
}

/**
 * Opens a file for writing (`w`) or appending (`a`), creating it 0600. A file this call creates or
 * truncates is set to exactly 0600 whatever the umask; an existing log is tightened by `tighten` instead,
 * since it may be another user's.
 */
export async function openPrivate(path: string, flags: 'w' | 'a'): Promise<FileHandle> {
  const existed = flags === 'a' && (await stat(path).catch(() => undefined)) !== undefined;
  const file = await open(path, flags, PRIVATE_FILE);
  try {
    if (!existed) await file.chmod(PRIVATE_FILE);
    return file;
  } catch (error) {
    await file.close();
    throw error;
  }
}
