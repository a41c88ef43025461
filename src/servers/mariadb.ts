import { join } from 'node:path';
import { RowbackError } from '../core/errors.js';
import { type ServerProcess, startProcess, stopProcess, waitUntilReady } from './child.js';
import { makeServerDir, recordServerPid, removeServerDir } from './cleanup.js';
import { freePort } from './free-port.js';
import { commandAs, findExecutable, type OsUser, runCommand, serviceUser } from './os-user.js';
import type { RunningServer, ServerOptions } from './server.js';
import { writeServerFiles } from './server-files.js';

const SBIN = ['/usr/sbin', '/usr/local/sbin', '/usr/local/mysql/bin'];

/** Settings for a throwaway server: small, no binlog, relaxed flushing. Names as in `mariadbd --help`. */
const DEFAULT_SETTINGS: Record<string, string> = {
  'bind-address': '127.0.0.1',
  'skip-name-resolve': 'ON',
  'local-infile': 'ON',
  'innodb-buffer-pool-size': '64M',
  'innodb-flush-log-at-trx-commit': '2',
  'innodb-doublewrite': 'OFF',
  'skip-log-bin': 'ON',
  'performance-schema': 'OFF',
  'max-connections': '200',
};

const START_ATTEMPTS = 3;

interface MariaDbBinaries {
  server: string;
  installDb: string;
}

async function findBinaries(): Promise<MariaDbBinaries> {
  const server = (await findExecutable('mariadbd', SBIN)) ?? (await findExecutable('mysqld', SBIN));
  const installDb =
    (await findExecutable('mariadb-install-db', SBIN)) ?? (await findExecutable('mysql_install_db', SBIN));
  if (server && installDb) return { server, installDb };
  throw new RowbackError(
    'unsupported',
    'No MariaDB server binaries (mariadbd, mariadb-install-db) were found.',
    {
      hint: 'Install MariaDB (e.g. apt-get install mariadb-server).',
    },
  );
}

/**
 * Settings that turn on the binary log the way a server that rowback can rewind from its binlog runs:
 * ROW format with full images. `binlog_row_metadata` is left at the server's default (MariaDB: NO_LOG).
 */
export const BINLOG_SETTINGS: Record<string, string> = {
  'log-bin': 'binlog',
  'binlog-format': 'ROW',
  'binlog-row-image': 'FULL',
  'server-id': '1',
};

/** The settings a server starts with: rowback's defaults, then the caller's; a binlog replaces skip-log-bin. */
function effectiveSettings(settings: Record<string, string> = {}): Record<string, string> {
  const merged = { ...DEFAULT_SETTINGS, ...settings };
  if ('log-bin' in settings) delete merged['skip-log-bin'];
  return merged;
}

/** `{ 'default-time-zone': '+05:00' }` → `--default-time-zone=+05:00`; `skip-*` flags take no value. */
function flags(settings: Record<string, string>): string[] {
  return Object.entries(settings).map(([name, value]) =>
    name.startsWith('skip-') && /^(on|1|true)$/i.test(value) ? `--${name}` : `--${name}=${value}`,
  );
}

/**
 * Starts a MariaDB (or MySQL) server in a new temp dir on a free port of 127.0.0.1, with its own socket
 * and pid file, and `root` (at localhost, 127.0.0.1 and ::1) without a password. Grant tables are real,
 * so wrong passwords are refused. Runs as the `mysql` OS user when this process is root.
 */
export async function startMariaDb(options: ServerOptions = {}): Promise<RunningServer> {
  const binaries = await findBinaries();
  const user = await serviceUser('mysql', 'MariaDB', { create: options.createUser === true });
  const dir = await makeServerDir('mariadb', user, 'SIGKILL');
  try {
    const dataDir = join(dir.dir, 'data');
    await installDb(binaries, user, dataDir, dir.dir, options);
    await writeServerFiles(dataDir, user, options.files);
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const server = await launch(binaries, user, { dir: dir.dir, dataDir, port }, options);
      await recordServerPid(dir, server.child.pid ?? 0);
      try {
        await waitUntilReady(server, () => probe(port), { timeoutMs: 60_000, what: 'MariaDB' });
      } catch (error) {
        await stopProcess(server, 'SIGKILL', 5_000);
        if (
          attempt < START_ATTEMPTS &&
          /bind on TCP\/IP port|address already in use/i.test(server.logTail())
        ) {
          continue;
        }
        throw error;
      }
      let stopped: Promise<void> | undefined;
      return {
        url: `mysql://root@127.0.0.1:${port}/`,
        port,
        dataDir,
        binDir: undefined,
        stop: () => {
          // A throwaway server needs no clean InnoDB shutdown; SIGTERM first keeps its log tidy.
          stopped ??= stopProcess(server, 'SIGTERM', 15_000).then(() => removeServerDir(dir));
          return stopped;
        },
      };
    }
  } catch (error) {
    await removeServerDir(dir);
    throw error;
  }
}

async function installDb(
  binaries: MariaDbBinaries,
  user: OsUser | undefined,
  dataDir: string,
  cwd: string,
  options: ServerOptions,
): Promise<void> {
  const args = [
    '--no-defaults',
    `--datadir=${dataDir}`,
    // Bootstraps sharing /tmp collide on temp table names and fail at random.
    `--tmpdir=${cwd}`,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    '--skip-name-resolve',
  ];
  const command = await commandAs(user, binaries.installDb, args);
  const output = await runCommand(command, { cwd, what: 'mariadb-install-db' });
  for (const line of output.split('\n')) if (line) options.log?.(line);
}

async function launch(
  binaries: MariaDbBinaries,
  user: OsUser | undefined,
  where: { dir: string; dataDir: string; port: number },
  options: ServerOptions,
): Promise<ServerProcess> {
  const args = [
    '--no-defaults',
    `--datadir=${where.dataDir}`,
    `--port=${where.port}`,
    `--socket=${join(where.dir, 'mysqld.sock')}`,
    `--pid-file=${join(where.dir, 'mysqld.pid')}`,
    `--tmpdir=${where.dir}`,
    ...flags(effectiveSettings(options.settings)),
  ];
  const command = await commandAs(user, binaries.server, args, { dieWithParent: 'KILL' });
  return startProcess(command, { cwd: where.dir, log: options.log });
}

async function probe(port: number): Promise<void> {
  // Loaded when first needed: the library's entry exports this module, and every command would pay for it.
  const { default: mysql } = await import('mysql2/promise');
  const connection = await mysql.createConnection({
    host: '127.0.0.1',
    port,
    user: 'root',
    connectTimeout: 2_000,
  });
  try {
    await connection.query('SELECT 1');
  } finally {
    await connection.end().catch(() => undefined);
  }
}
