import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RowbackError } from '../../core/errors.js';
import { commandAs, type OsUser } from '../../servers/os-user.js';

/** `%f` → file, `%p` → path, `%r` → oldest file to keep, `%%` → `%` (as PostgreSQL expands them). */
export function expandRestoreCommand(command: string, file: string, path: string): string {
  return command.replace(/%([fpr%])/g, (_, c: string) =>
    c === 'f' ? file : c === 'p' ? path : c === 'r' ? '000000010000000000000001' : '%',
  );
}

export interface CommandRun {
  ok: boolean;
  /** `exit code 1`, `killed by SIGKILL`. */
  how: string;
  output: string;
}

/**
 * Runs the restore command once, as the server will (through `sh -c`, as the server's OS user), asking
 * for `segment` into a scratch file in `workDir` that is removed afterwards.
 */
export async function runRestoreCommand(
  command: string,
  segment: string,
  workDir: string,
  user: OsUser | undefined,
): Promise<CommandRun> {
  const path = join(workDir, `probe-${segment}`);
  const shell = await commandAs(user, '/bin/sh', ['-c', expandRestoreCommand(command, segment, path)]);
  try {
    return await new Promise<CommandRun>((resolve) => {
      execFile(shell.file, shell.args, { cwd: workDir, timeout: 120_000 }, (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`.trim().split('\n').slice(-6).join('\n');
        if (!error) resolve({ ok: true, how: 'exit code 0', output });
        else {
          const e = error as { code?: number | string; signal?: string };
          resolve({ ok: false, how: e.signal ? `killed by ${e.signal}` : `exit code ${e.code}`, output });
        }
      });
    });
  } finally {
    await rm(path, { force: true });
  }
}

/**
 * Checks the restore command before anything starts: it must deliver the segment the backup starts from
 * (every archive holds it once the backup finished).
 */
export async function checkRestoreCommand(
  command: string,
  segment: string,
  workDir: string,
  user: OsUser | undefined,
): Promise<void> {
  if (!/%f/.test(command) || !/%p/.test(command)) {
    throw new RowbackError(
      'usage',
      `--restore-command must contain %f (the file wanted) and %p (where to put it).`,
      {
        hint: `For example: --restore-command 'pgbackrest --stanza=main archive-get %f "%p"' or 'wal-g wal-fetch %f "%p"'`,
      },
    );
  }
  const run = await runRestoreCommand(command, segment, workDir, user);
  if (run.ok) return;
  throw new RowbackError(
    'connection',
    `The restore command failed (${run.how}) fetching ${segment}, the first WAL segment the base backup needs.${run.output ? `\nIts output: ${run.output}` : ''}`,
    { hint: `Run it by hand to see why: ${command}` },
  );
}
