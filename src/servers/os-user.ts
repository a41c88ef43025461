import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { RowbackError } from '../core/errors.js';

const exec = promisify(execFile);

/** The OS account a server runs as when rowback itself runs as root. */
export interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

/** The first executable named `name` on PATH (or in `extraDirs`, searched first). */
export async function findExecutable(name: string, extraDirs: string[] = []): Promise<string | undefined> {
  const dirs = [...extraDirs, ...(process.env['PATH'] ?? '').split(delimiter)].filter(Boolean);
  for (const dir of dirs) {
    const file = join(dir, name);
    try {
      await access(file, constants.X_OK);
      return file;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/**
 * The account to run a server as: none when rowback is not root (the server runs as the current user);
 * the named account when it is, because PostgreSQL refuses to run as root and MariaDB should not.
 * With `create`, a missing account is made as a system user (what installing the server would do: a
 * fresh container has no `postgres` user); otherwise RowbackError('unsupported') says how to make it.
 */
export async function serviceUser(
  name: string,
  serverName: string,
  options: { create?: boolean } = {},
): Promise<OsUser | undefined> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const found = await lookupUser(name);
  if (found) return found;
  if (options.create) {
    const made = await createSystemUser(name).then(() => lookupUser(name));
    if (made) return made;
  }
  throw new RowbackError(
    'unsupported',
    `${serverName} cannot run as root, and there is no "${name}" OS user to run it as.`,
    {
      hint: `Create the user (for example: useradd --system --user-group ${name}) or run as a non-root user.`,
    },
  );
}

async function lookupUser(name: string): Promise<OsUser | undefined> {
  try {
    const uid = Number((await exec('id', ['-u', name])).stdout.trim());
    const gid = Number((await exec('id', ['-g', name])).stdout.trim());
    if (Number.isInteger(uid) && Number.isInteger(gid)) return { name, uid, gid };
  } catch {
    // no such user
  }
  return undefined;
}

async function createSystemUser(name: string): Promise<void> {
  const useradd = await findExecutable('useradd', ['/usr/sbin', '/sbin']);
  if (useradd) {
    await exec(useradd, [
      '--system',
      '--user-group',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      name,
    ]).catch(() => {});
    return;
  }
  const adduser = await findExecutable('adduser', ['/usr/sbin', '/sbin', '/bin']);
  if (adduser) await exec(adduser, ['-S', '-D', '-H', name]).catch(() => {}); // BusyBox (Alpine)
}

let setprivPath: Promise<string | undefined> | undefined;

/**
 * The command line that runs `file args` as `user` (or as ourselves when `user` is undefined). With
 * `dieWithParent`, the kernel kills the program if this process dies, even by SIGKILL, so a crashed test
 * run never leaves a server behind (needs util-linux `setpriv`; without it only exit handlers clean up).
 */
export async function commandAs(
  user: OsUser | undefined,
  file: string,
  args: string[],
  options: { dieWithParent?: string } = {},
): Promise<{ file: string; args: string[] }> {
  setprivPath ??= findExecutable('setpriv', ['/usr/bin', '/bin']);
  const setpriv = await setprivPath;
  if (setpriv) {
    // setpriv execs the program, so the child's pid is the server's pid and signals reach it directly.
    const wrap: string[] = [];
    if (user) wrap.push(`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups');
    if (options.dieWithParent) wrap.push(`--pdeathsig=${options.dieWithParent}`);
    if (wrap.length) return { file: setpriv, args: [...wrap, '--', file, ...args] };
    return { file, args };
  }
  if (!user) return { file, args };
  const runuser = await findExecutable('runuser', ['/usr/sbin', '/sbin']);
  if (!runuser) {
    throw new RowbackError(
      'unsupported',
      `Cannot switch to the "${user.name}" OS user: neither setpriv nor runuser is installed.`,
      {
        hint: 'Install util-linux, or run as a non-root user.',
      },
    );
  }
  return { file: runuser, args: ['-u', user.name, '--', file, ...args] };
}

/** Runs a short command to completion; rejects with its output when it fails. */
export async function runCommand(
  command: { file: string; args: string[] },
  options: { env?: NodeJS.ProcessEnv; cwd?: string; what: string },
): Promise<string> {
  try {
    const { stdout, stderr } = await exec(command.file, command.args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      maxBuffer: 16 * 1024 * 1024,
    });
    return `${stdout}${stderr}`;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    const output = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim();
    throw new Error(`${options.what} failed: ${e.message.split('\n')[0]}${output ? `\n${output}` : ''}`, {
      cause: error,
    });
  }
}
