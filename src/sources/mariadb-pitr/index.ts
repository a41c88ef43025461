import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RowbackError } from '../../core/errors.js';
import type { OpenSourceOptions, Source } from '../../core/source.js';
import { type OsUser, serviceUser } from '../../servers/os-user.js';
import { checkSpace, copyTree, formatBytes, treeSize } from '../instance/copy.js';
import { type CreateContext, openTemporarySource, type TemporaryInstance } from '../instance/lifecycle.js';
import type { Run } from '../instance/run.js';
import { type MariaBackup, readMariaBackup } from './backup.js';
import { type BinlogFile, binlogsFrom, lastEventBefore, stopDatetime } from './binlogs.js';
import { findTools, type MariaTools, prepareCopy, replayFile, startServer } from './server.js';

export { isMariaBackup } from './backup.js';

/** Room beside the copy for InnoDB to work in (redo log, temporary tables, undo while replaying). */
const HEADROOM = 512 * 1024 * 1024;

/**
 * Self-hosted MariaDB / MySQL point-in-time recovery: a mariadb-backup directory (prepared or not) plus
 * the server's binlog files, replayed to --as-of in a throwaway mariadbd on a private copy. The backup
 * and the binlogs are only read. The table is then read through the live source.
 */
export async function openMariaPitr(path: string, options: OpenSourceOptions): Promise<Source> {
  const flags = options.flags ?? {};
  if (options.targetEngine !== 'mysql') {
    throw new RowbackError(
      'unsupported',
      `${path} is a mariadb-backup directory and the target is ${options.targetEngine}.`,
      {
        hint: 'A mariadb-backup restores into a MySQL or MariaDB target.',
      },
    );
  }
  if (options.asOf && !flags.binlogDir) {
    throw new RowbackError('usage', `--as-of needs the binlogs written after the backup ${path}.`, {
      hint: 'Add --binlog-dir DIR (where the server keeps binlog.000001…); without --as-of the backup is read as it was when it was taken.',
    });
  }
  const backup = await readMariaBackup(path);
  if (options.asOf && !backup.binlog) {
    throw new RowbackError(
      'unsupported',
      `${path} records no binlog position (binary logging was off when it was taken), so no binlog can continue it.`,
      {
        hint: 'Turn log_bin on for the next backups; for now the backup can be read as it was (drop --as-of).',
      },
    );
  }
  const tools = await findTools(backup.serverSeries);
  const binlogs =
    options.asOf && backup.binlog ? await binlogsFrom(resolve(flags.binlogDir!), backup.binlog.file) : [];
  if (options.asOf && backup.binlog && tools.binlog) {
    const taken = await lastEventBefore(tools.binlog, binlogs[0]!.path, backup.binlog.position);
    if (taken !== undefined && options.asOf.epochMs < taken) {
      throw new RowbackError(
        'usage',
        `--as-of ${options.asOf.utc} is before the backup ${path} was taken (it holds changes up to ${new Date(taken).toISOString().replace('.000Z', 'Z')}).`,
        {
          hint: 'Use an older backup for this moment, or a later --as-of.',
        },
      );
    }
  }
  const user = await serviceUser('mysql', 'MariaDB');
  const moment = options.asOf ? `as of ${options.asOf.utc}` : 'as it was when the backup was taken';
  return openTemporarySource(
    {
      what: `the recovery of ${path} ${moment}`,
      create: (run, context) => create({ path, backup, tools, binlogs, user, options }, run, context),
    },
    options,
  );
}

interface Plan {
  path: string;
  backup: MariaBackup;
  tools: MariaTools;
  binlogs: BinlogFile[];
  user: OsUser | undefined;
  options: OpenSourceOptions;
}

async function create(plan: Plan, run: Run, context: CreateContext): Promise<TemporaryInstance> {
  const { backup, tools, user, options } = plan;
  const bytes = await treeSize(backup.dir);
  checkSpace(`the backup ${plan.path}`, bytes, tmpdir(), HEADROOM);
  const dir = await run.makeDir('pitr', `the private copy of ${plan.path}`, user);
  const dataDir = join(dir, 'data');
  const began = Date.now();
  await copyTree(backup.dir, dataDir, {
    owner: user,
    ...(context.signal ? { signal: context.signal } : {}),
    onBytes: (copied) =>
      context.progress({
        rows: Math.round(copied / 1048576),
        total: Math.max(1, Math.round(bytes / 1048576)),
        unit: 'MiB copied',
        message: `copying the backup (${formatBytes(bytes)})`,
        elapsedMs: Date.now() - began,
      }),
  });
  if (backup.type !== 'full-prepared') {
    context.progress({
      message: 'preparing the copy (mariadb-backup --prepare)',
      elapsedMs: Date.now() - began,
    });
    await prepareCopy(tools, dataDir, user);
  }
  const { socket } = await startServer(tools, { dir, dataDir, innodb: backup.innodb }, user, run);
  await replay(plan, socket, context);
  const database = options.flags?.database ?? databaseOf(options.targetUrl);
  context.note(
    `Recovered ${plan.path} ${options.asOf ? `to ${options.asOf.utc} (binlog events before ${stopDatetime(options.asOf.epochMs)} UTC)` : 'as it was when the backup was taken'}.`,
  );
  return {
    url: `mysql://root@localhost/${encodeURIComponent(database)}?socket=${encodeURIComponent(socket)}`,
    label: `${plan.path}${options.flags?.binlogDir ? ` + ${options.flags.binlogDir}` : ''} ${options.asOf ? `as of ${options.asOf.utc}` : '(as backed up)'}`,
  };
}

/** Replays the binlogs file by file (progress by bytes), the first from the backup's position. */
async function replay(plan: Plan, socket: string, context: CreateContext): Promise<void> {
  const { binlogs, backup, options } = plan;
  if (!options.asOf || !backup.binlog) return;
  const stop = stopDatetime(options.asOf.epochMs);
  const total = binlogs.reduce((sum, f) => sum + f.bytes, 0);
  const began = Date.now();
  let done = 0;
  for (const [at, file] of binlogs.entries()) {
    context.progress({
      rows: Math.round(done / 1048576),
      total: Math.max(1, Math.round(total / 1048576)),
      unit: 'MiB of binlog',
      message: `replaying ${file.name} (${at + 1} of ${binlogs.length})`,
      elapsedMs: Date.now() - began,
    });
    await replayFile(plan.tools, file, {
      socket,
      stop,
      ...(at === 0 ? { startPosition: backup.binlog.position } : {}),
      ...(context.signal ? { signal: context.signal } : {}),
    });
    done += file.bytes;
  }
}

function databaseOf(targetUrl: string | undefined): string {
  try {
    return targetUrl
      ? decodeURIComponent(new URL(targetUrl.replace(/^mariadb:/i, 'mysql:')).pathname.slice(1))
      : '';
  } catch {
    return '';
  }
}
