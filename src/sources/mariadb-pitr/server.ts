import { spawn } from 'node:child_process';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { RowbackError } from '../../core/errors.js';
import { type ServerProcess, startProcess, waitUntilReady } from '../../servers/child.js';
import { commandAs, findExecutable, type OsUser, runCommand } from '../../servers/os-user.js';
import type { Run } from '../instance/run.js';
import { processStart } from '../instance/state.js';
import type { BinlogFile } from './binlogs.js';

const SBIN = ['/usr/sbin', '/usr/local/sbin', '/usr/local/mysql/bin'];

export interface MariaTools {
  server: string;
  backup: string | undefined;
  binlog: string | undefined;
  client: string | undefined;
  /** `10.11` */
  series: string;
}

async function first(names: string[], dirs: string[] = []): Promise<string | undefined> {
  for (const name of names) {
    const found = await findExecutable(name, dirs);
    if (found) return found;
  }
  return undefined;
}

/** The machine's MariaDB server and tools; refuses when the server is not of the backup's series. */
export async function findTools(series: string | undefined): Promise<MariaTools> {
  const server = await first(['mariadbd', 'mysqld'], SBIN);
  if (!server) {
    throw new RowbackError(
      'unsupported',
      'No MariaDB server (mariadbd) is installed here to start the backup on.',
      {
        hint: `Install the MariaDB ${series ?? ''} server (Debian: apt-get install mariadb-server).`,
      },
    );
  }
  const version = (
    await runCommand({ file: server, args: ['--version'] }, { what: 'mariadbd --version' })
  ).trim();
  const found = /Ver\s+(\d+\.\d+)/.exec(version)?.[1] ?? 'unknown';
  if (series && found !== series) {
    throw new RowbackError(
      'unsupported',
      `The backup is of MariaDB ${series}, and this machine has MariaDB ${found}: a mariadb-backup directory opens only on the series that made it.`,
      {
        hint: `Install the MariaDB ${series} server and mariadb-backup (from mariadb.org's repositories), or run rowback where they are.`,
      },
    );
  }
  return {
    server,
    series: found,
    backup: await first(['mariadb-backup', 'mariabackup'], SBIN),
    binlog: await first(['mariadb-binlog', 'mysqlbinlog']),
    client: await first(['mariadb', 'mysql']),
  };
}

/** Applies the redo log of an unprepared backup copy (`mariadb-backup --prepare`), as the server's user. */
export async function prepareCopy(
  tools: MariaTools,
  dataDir: string,
  user: OsUser | undefined,
): Promise<void> {
  if (!tools.backup) {
    throw new RowbackError(
      'unsupported',
      'The backup is not prepared, and mariadb-backup is not installed here to prepare a copy of it.',
      {
        hint: `Install mariadb-backup (Debian: apt-get install mariadb-backup), of MariaDB ${tools.series}.`,
      },
    );
  }
  const command = await commandAs(user, tools.backup, [
    '--no-defaults',
    '--prepare',
    `--target-dir=${dataDir}`,
  ]);
  try {
    await runCommand(command, { what: 'mariadb-backup --prepare', cwd: dataDir });
  } catch (error) {
    throw new RowbackError(
      'bad-source',
      `Preparing a copy of the backup failed: ${(error as Error).message.split('\n').slice(-4).join('\n')}`,
      {
        cause: error,
        hint: `Check that the backup is complete and was made by mariadb-backup ${tools.series}.`,
      },
    );
  }
}

/**
 * Starts mariadbd on the copy: no TCP port (a socket in the private dir), no grant checks (nobody else
 * can reach the socket), no binlog of its own, no event scheduler (production's events must not run),
 * InnoDB as the backup was made.
 */
export async function startServer(
  tools: MariaTools,
  where: { dir: string; dataDir: string; innodb: Record<string, string> },
  user: OsUser | undefined,
  run: Run,
): Promise<{ server: ServerProcess; socket: string }> {
  const socket = join(where.dir, 'mysqld.sock');
  const innodb = Object.entries(where.innodb).map(([k, v]) => `--${k.replace(/_/g, '-')}=${v}`);
  const args = [
    '--no-defaults',
    `--datadir=${where.dataDir}`,
    `--socket=${socket}`,
    `--pid-file=${join(where.dir, 'mysqld.pid')}`,
    `--tmpdir=${where.dir}`,
    '--skip-networking',
    '--skip-grant-tables',
    '--skip-log-bin',
    '--skip-slave-start',
    '--event-scheduler=DISABLED',
    '--innodb-buffer-pool-size=256M',
    '--innodb-flush-log-at-trx-commit=2',
    '--performance-schema=OFF',
    ...innodb,
  ];
  const command = await commandAs(user, tools.server, args, { dieWithParent: 'KILL' });
  const server = startProcess(command, { cwd: where.dir });
  const pid = server.child.pid ?? 0;
  await run.record({
    type: 'process',
    label: `the MariaDB server on the backup copy (pid ${pid})`,
    pid,
    start: processStart(pid) ?? '',
    signal: 'SIGKILL',
  });
  await waitUntilReady(server, () => probe(socket), {
    timeoutMs: 10 * 60_000,
    what: 'MariaDB on the backup copy',
  }).catch((error: Error) => {
    throw new RowbackError(
      'bad-source',
      `The backup copy did not start: ${error.message.split('\n').slice(0, 6).join('\n')}`,
      {
        cause: error,
      },
    );
  });
  return { server, socket };
}

async function probe(socket: string): Promise<void> {
  const connection = await mysql.createConnection({
    socketPath: socket,
    user: 'root',
    connectTimeout: 2_000,
  });
  try {
    await connection.query('SELECT 1');
  } finally {
    await connection.end().catch(() => undefined);
  }
}

/**
 * Replays one binlog file into the server up to (not including) `stop` (UTC `YYYY-MM-DD HH:MM:SS`):
 * `mariadb-binlog … | mariadb --binary-mode`. Either side failing is an error naming the file.
 */
export async function replayFile(
  tools: MariaTools,
  file: BinlogFile,
  options: { socket: string; startPosition?: number; stop: string | undefined; signal?: AbortSignal },
): Promise<void> {
  if (!tools.binlog || !tools.client) {
    throw new RowbackError(
      'unsupported',
      'Replaying binlogs needs mariadb-binlog and the mariadb client, which are not installed here.',
      {
        hint: 'Install them (Debian: apt-get install mariadb-client).',
      },
    );
  }
  const reader = spawn(
    tools.binlog,
    [
      '--no-defaults',
      ...(options.startPosition ? [`--start-position=${options.startPosition}`] : []),
      ...(options.stop ? [`--stop-datetime=${options.stop}`] : []),
      file.path,
    ],
    { env: { ...process.env, TZ: 'UTC' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const writer = spawn(
    tools.client,
    ['--no-defaults', `--socket=${options.socket}`, '-uroot', '--binary-mode', '--batch'],
    {
      stdio: ['pipe', 'ignore', 'pipe'],
    },
  );
  reader.stdout.pipe(writer.stdin);
  writer.stdin.on('error', () => undefined);
  const onAbort = () => {
    reader.kill('SIGKILL');
    writer.kill('SIGKILL');
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const [read, wrote] = await Promise.all([finished(reader), finished(writer)]);
  options.signal?.removeEventListener('abort', onAbort);
  if (read.code !== 0) {
    throw new RowbackError(
      'bad-source',
      `mariadb-binlog could not read ${file.name}: ${read.stderr || `exit code ${read.code}`}`,
    );
  }
  if (wrote.code !== 0) {
    throw new RowbackError(
      'bad-source',
      `Replaying ${file.name} into the backup copy failed: ${wrote.stderr || `exit code ${wrote.code}`}`,
      {
        hint: 'The binlogs may not continue this backup (another server, or files from before it).',
      },
    );
  }
}

function finished(child: ReturnType<typeof spawn>): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => {
    child.once('error', (error) => resolve({ code: -1, stderr: error.message }));
    child.once('close', (code) => resolve({ code, stderr: stderr.trim().split('\n').slice(-4).join('\n') }));
  });
}
