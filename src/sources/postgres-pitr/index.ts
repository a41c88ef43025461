import { chown, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RowbackError } from '../../core/errors.js';
import { freePort } from '../../servers/free-port.js';
import { type OsUser, serviceUser } from '../../servers/os-user.js';
import { findPostgresBinariesOfMajor, type PostgresBinaries } from '../../servers/postgres-binaries.js';
import { checkSpace, copyTree, formatBytes, treeSize } from '../instance/copy.js';
import { type CreateContext, openTemporarySource, type TemporaryInstance } from '../instance/lifecycle.js';
import type { Run } from '../instance/run.js';
import type { OpenSourceOptions, Source } from '../source.js';
import { checkArchiveReadable, prepareArchive } from './archive.js';
import { type BaseBackup, labelTimeMs, readBaseBackup, UNTRUSTED_FILES } from './backup.js';
import { type ControlData, readControlData, recoveryConf, writeRecoveryFiles } from './config.js';
import { explainFailure } from './failures.js';
import { recover } from './recover.js';
import { checkRestoreCommand, runRestoreCommand } from './restore-command.js';
import { parseSegment, segmentName } from './wal.js';

export { isBaseBackup } from './backup.js';

/** Room for WAL replay beside the copy: restored segments come and go in pg_wal. */
const HEADROOM = 512 * 1024 * 1024;

/**
 * Self-hosted PostgreSQL point-in-time recovery: a pg_basebackup plain-format directory plus its WAL
 * (an archive directory or a restore command), recovered to --as-of in a throwaway server on a private
 * copy. The backup and the archive are only read. The table is then read through the live source.
 */
export async function openPostgresPitr(path: string, options: OpenSourceOptions): Promise<Source> {
  const flags = options.flags ?? {};
  if (options.targetEngine !== 'postgres') {
    throw new RowbackError(
      'unsupported',
      `${path} is a PostgreSQL base backup and the target is ${options.targetEngine}.`,
      {
        hint: 'A base backup restores into a PostgreSQL target.',
      },
    );
  }
  if (flags.walArchive && flags.restoreCommand) {
    throw new RowbackError('usage', 'Give either --wal-archive or --restore-command, not both.');
  }
  if (options.asOf && !flags.walArchive && !flags.restoreCommand) {
    throw new RowbackError('usage', `--as-of needs the WAL written after the base backup ${path}.`, {
      hint: 'Add --wal-archive DIR (where archive_command copies WAL) or --restore-command \'… %f "%p"\'; without --as-of the backup is read as it was when it finished.',
    });
  }
  const backup = await readBaseBackup(path);
  const binaries = await findPostgresBinariesOfMajor(backup.major);
  const user = await serviceUser('postgres', 'PostgreSQL');
  const moment = options.asOf ? `as of ${options.asOf.utc}` : 'as it was when the backup finished';
  return openTemporarySource(
    {
      what: `the recovery of ${path} ${moment}`,
      create: (run, context) => create({ path, backup, binaries, user, options }, run, context),
    },
    options,
  );
}

interface Plan {
  path: string;
  backup: BaseBackup;
  binaries: PostgresBinaries;
  user: OsUser | undefined;
  options: OpenSourceOptions;
}

async function create(plan: Plan, run: Run, context: CreateContext): Promise<TemporaryInstance> {
  const { backup, user, options } = plan;
  const started = backup.label ? labelTimeMs(backup.label.startTime) : undefined;
  if (options.asOf && started !== undefined && started > options.asOf.epochMs) throw backupAfterAsOf(plan);
  const flags = options.flags ?? {};
  const skip = (relative: string) => UNTRUSTED_FILES.has(relative);
  const bytes = await treeSize(backup.dir, skip);
  checkSpace(`the base backup ${plan.path}`, bytes, tmpdir(), HEADROOM);
  const dir = await run.makeDir('pitr', `the private copy of ${plan.path}`, user);
  const dataDir = join(dir, 'data');
  const socketDir = join(dir, 'socket');
  await mkdir(socketDir, { mode: 0o700 });
  if (user) await chown(socketDir, user.uid, user.gid);

  if (flags.walArchive) await checkArchiveReadable(resolve(flags.walArchive), user);
  if (flags.restoreCommand && backup.label) {
    await checkRestoreCommand(flags.restoreCommand, backup.label.startSegment, dir, user);
  }
  const began = Date.now();
  await copyTree(backup.dir, dataDir, {
    skip,
    relocate: (relative) =>
      /^pg_tblspc\/\d+$/.test(relative) ? join(dir, 'tablespaces', relative.slice(10)) : undefined,
    owner: user,
    ...(context.signal ? { signal: context.signal } : {}),
    onBytes: (copied) =>
      context.progress({
        rows: Math.round(copied / 1048576),
        total: Math.max(1, Math.round(bytes / 1048576)),
        unit: 'MiB copied',
        message: `copying the base backup (${formatBytes(bytes)})`,
        elapsedMs: Date.now() - began,
      }),
  });
  const control = await readControlData(plan.binaries, dataDir);
  const archive = flags.walArchive
    ? await prepareArchive(resolve(flags.walArchive), backup, control, options.asOf?.epochMs)
    : undefined;
  const restoreCommand = archive?.command ?? flags.restoreCommand ?? 'false';
  const port = await freePort();
  const asOfLsn = options.asOf ? flags.asOfLsn : undefined;
  const conf = recoveryConf({ port, socketDir, restoreCommand, asOf: options.asOf, asOfLsn, control });
  await writeRecoveryFiles(dataDir, conf, user);

  const recovery = await recover(
    {
      binaries: plan.binaries,
      major: backup.major,
      user,
      dataDir,
      socketDir,
      port,
      roles: roles(options.targetUrl),
      segments: archive?.estimate ?? 1,
      what: plan.path,
      ...(backup.label && options.asOf
        ? { startedVsAsOf: { started: backup.label.startTime, asOf: options.asOf.utc } }
        : {}),
      explain: async (exited, log, lastRestored) =>
        explainFailure({
          what: plan.path,
          exited,
          log,
          lastRestored,
          segmentBytes: control.segmentBytes,
          ...(archive ? { archived: archive.names } : {}),
          asOf: options.asOf?.utc,
          backupStartTime: backup.label?.startTime,
          backupStartSegment: backup.label?.startSegment,
          restoreCommand,
          ...(!archive && flags.restoreCommand
            ? { commandOutput: await lacking(flags.restoreCommand, lastRestored, control, dir, user) }
            : {}),
        }),
    },
    run,
    context,
  );
  if (recovery.backupAfterAsOf) throw backupAfterAsOf(plan);
  const database = flags.database ?? databaseOf(options.targetUrl);
  if (!recovery.databases.includes(database)) {
    throw new RowbackError('table-not-found', `The base backup ${plan.path} has no database "${database}".`, {
      hint: `It has: ${recovery.databases.join(', ')}. Name the one to read with --from-database (default: the target URL's).`,
    });
  }
  const until = recovery.replayedUntil ? `, last commit replayed ${recovery.replayedUntil}` : '';
  context.note(
    `Recovered ${plan.path} ${options.asOf ? `to ${asOfLsn ? `just before WAL LSN ${asOfLsn} (${options.asOf.utc})` : options.asOf.utc}` : 'to the end of the backup'}${until}.`,
  );
  return {
    url: `postgres://${encodeURIComponent(recovery.superuser)}@${encodeURIComponent(socketDir)}:${port}/${encodeURIComponent(database)}`,
    label: `${plan.path}${flags.walArchive ? ` + ${flags.walArchive}` : ''} ${options.asOf ? `as of ${options.asOf.utc}` : '(end of backup)'}`,
  };
}

/** What the restore command says about the segment recovery needed next (for the error message). */
async function lacking(
  command: string,
  lastRestored: string | undefined,
  control: ControlData,
  dir: string,
  user: OsUser | undefined,
): Promise<string> {
  const last = lastRestored ? parseSegment(lastRestored, control.segmentBytes) : undefined;
  if (!last) return '';
  const next = segmentName(last.timeline, last.index + 1, control.segmentBytes);
  const run = await runRestoreCommand(command, next, dir, user);
  return run.ok ? '' : `${run.how}${run.output ? `: ${run.output}` : ''}`;
}

/** The target's user first (it exists in a backup of the same cluster), then the usual superuser. */
function roles(targetUrl: string | undefined): string[] {
  const names = ['postgres'];
  try {
    const user = targetUrl ? decodeURIComponent(new URL(targetUrl).username) : '';
    if (user && user !== 'postgres') names.unshift(user);
  } catch {
    // not a URL: only postgres
  }
  return names;
}

/** The target URL's database; without one, libpq's default: the user's name. */
function databaseOf(targetUrl: string | undefined): string {
  try {
    const url = targetUrl ? new URL(targetUrl) : undefined;
    const name = url ? decodeURIComponent(url.pathname.replace(/^\//, '')) : '';
    return name || (url ? decodeURIComponent(url.username) : '') || 'postgres';
  } catch {
    return 'postgres';
  }
}

/** Recovery cannot go back before the backup: it would stop at the backup's end and call that as-of. */
function backupAfterAsOf(plan: Plan): RowbackError {
  return new RowbackError(
    'usage',
    `--as-of ${plan.options.asOf?.utc} is before the base backup ${plan.path} was taken (it started ${plan.backup.label?.startTime}): a backup recovers only to moments after it.`,
    { hint: 'Use an older base backup for this moment, or a later --as-of.' },
  );
}
