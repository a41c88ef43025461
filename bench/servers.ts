import { openSession } from '../src/demo/db.js';

/** A throwaway server as `src/servers/*` starts it. */
interface Server {
  url: string;
  binDir?: string;
  dataDir?: string;
  stop(): Promise<void>;
}

/** The two servers the bench runs on: the past state (source) and the live database (target). */
export interface BenchServers {
  source: string;
  target: string;
  /** The PostgreSQL server's client programs, when the starter knows them. */
  binDir?: string;
  /** The target's data directory, when the bench started it (its CPU time can then be read). */
  targetDataDir?: string;
  stop(): Promise<void>;
}

/** The database the bench makes on a fresh MySQL server (its starter's URL names none). */
const MYSQL_DATABASE = 'rowback_bench';

/**
 * The servers named by ROWBACK_BENCH_SOURCE_URL / ROWBACK_BENCH_TARGET_URL (their `billing` table is
 * dropped and rebuilt), else two throwaway servers started here and stopped by `stop`.
 */
export async function openServers(
  engine: 'postgres' | 'mysql' | 'sqlite',
  log: (line: string) => void,
): Promise<BenchServers> {
  if (engine === 'sqlite') {
    log('making the backup and application database files…');
    return (await import('./sqlite.js')).sqliteFiles();
  }
  const source = process.env['ROWBACK_BENCH_SOURCE_URL'];
  const target = process.env['ROWBACK_BENCH_TARGET_URL'];
  if (source && target) return { source, target, stop: async () => {} };
  if (source || target)
    throw new Error('set both ROWBACK_BENCH_SOURCE_URL and ROWBACK_BENCH_TARGET_URL, or neither');
  const started: Server[] = [];
  const stop = async () => {
    await Promise.allSettled(started.map((server) => server.stop()));
  };
  try {
    for (const role of ['source', 'target']) {
      log(`starting the ${role} ${engine === 'postgres' ? 'PostgreSQL' : 'MariaDB/MySQL'} server…`);
      started.push(await startServer(engine));
    }
    const [first, second] = started as [Server, Server];
    if (engine === 'postgres') {
      const { binDir } = first;
      return { source: first.url, target: second.url, binDir, targetDataDir: second.dataDir, stop };
    }
    return { source: await withDatabase(first.url), target: await withDatabase(second.url), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startServer(engine: 'postgres' | 'mysql'): Promise<Server> {
  if (engine === 'postgres') {
    const { startPostgres } = await import('../src/servers/postgres.js');
    return startPostgres();
  }
  const { startMariaDb } = await import('../src/servers/mariadb.js');
  // The starter's small buffer pool suits tests; a million rows want the pool a real server would have.
  return startMariaDb({ settings: { 'innodb-buffer-pool-size': '512M' } });
}

/** Creates the bench's database on a fresh MySQL server and returns a URL naming it. */
async function withDatabase(url: string): Promise<string> {
  const db = await openSession(url);
  try {
    await db.run(`CREATE DATABASE IF NOT EXISTS ${MYSQL_DATABASE}`);
  } finally {
    await db.close();
  }
  const named = new URL(url);
  named.pathname = `/${MYSQL_DATABASE}`;
  return named.toString();
}

/**
 * One MariaDB with binary logging in ROW format (otherwise its defaults), for `--source binlog`: the
 * server named by ROWBACK_BENCH_TARGET_URL (its `billing` dropped and rebuilt, its binlogs purged), else
 * a throwaway one started here.
 */
export async function openBinlogServer(
  log: (line: string) => void,
): Promise<{ url: string; stop(): Promise<void> }> {
  const target = process.env['ROWBACK_BENCH_TARGET_URL'];
  if (target) return { url: target, stop: async () => {} };
  log('starting a MariaDB server with binary logging (ROW)…');
  const { startMariaDb, BINLOG_SETTINGS } = await import('../src/servers/mariadb.js');
  const server = await startMariaDb({ settings: { ...BINLOG_SETTINGS, 'innodb-buffer-pool-size': '512M' } });
  try {
    return { url: await withDatabase(server.url), stop: () => server.stop() };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
