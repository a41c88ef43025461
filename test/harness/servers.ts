import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { redactUrl } from '../../src/core/redact.js';
import { BINLOG_SETTINGS, startMariaDb } from '../../src/servers/mariadb.js';
import { startPostgres } from '../../src/servers/postgres.js';
import type { RunningServer } from '../../src/servers/server.js';
import type { ServerPair } from './context.js';
import type { EngineName } from './index.js';

/**
 * The test servers, started once per run and only for the engines a run uses. Source and target disagree
 * on every session setting that changes how values are written as text, and on collation.
 */

const started: RunningServer[] = [];
const pairs = new Map<EngineName, Promise<ServerPair>>();

/** The server pair for an engine, starting it on first call (concurrent callers share the start). */
export function serverPair(engine: EngineName): Promise<ServerPair> {
  let pair = pairs.get(engine);
  if (!pair) {
    const since = Date.now();
    pair = engine === 'postgres' ? postgresPair() : mysqlPair();
    pair.then(
      (p) => {
        const where = p.shared
          ? `one server given by the environment`
          : `${redactUrl(p.source)} and ${redactUrl(p.target)}`;
        process.stderr.write(`[test servers] ${engine}: ${where} (${Date.now() - since} ms)\n`);
      },
      () => undefined,
    );
    pairs.set(engine, pair);
  }
  return pair;
}

/**
 * MariaDB servers with a binary log, for the binlog source: `rows` as MariaDB writes it by default in ROW
 * format (no column metadata), `full` with binlog_row_metadata=FULL, `minimal` with MINIMAL row images.
 */
export type BinlogConfig = 'rows' | 'full' | 'minimal';

export const BINLOG_CONFIGS: Record<BinlogConfig, Record<string, string>> = {
  rows: BINLOG_SETTINGS,
  full: { ...BINLOG_SETTINGS, 'binlog-row-metadata': 'FULL' },
  minimal: { ...BINLOG_SETTINGS, 'binlog-row-metadata': 'FULL', 'binlog-row-image': 'MINIMAL' },
};

const binlogServers = new Map<BinlogConfig, Promise<string>>();

/** The URL of the run's binlog server of that configuration, starting it on first call. */
export function binlogServer(config: BinlogConfig): Promise<string> {
  let server = binlogServers.get(config);
  if (!server) {
    server = track(
      startMariaDb({ log: log(`mariadb-binlog-${config}`), settings: BINLOG_CONFIGS[config] }),
    ).then((s) => s.url);
    binlogServers.set(config, server);
  }
  return server;
}

/** Stops every server this run started. */
export async function stopServers(): Promise<void> {
  await Promise.allSettled(pairs.values());
  await Promise.allSettled(binlogServers.values());
  await Promise.allSettled(started.splice(0).map((server) => server.stop()));
}

function log(name: string): ((line: string) => void) | undefined {
  if (!process.env['ROWBACK_TEST_SERVER_LOG']) return undefined;
  return (line) => process.stderr.write(`[${name}] ${line}\n`);
}

async function track(start: Promise<RunningServer>): Promise<RunningServer> {
  const server = await start;
  started.push(server);
  return server;
}

async function postgresPair(): Promise<ServerPair> {
  const given = process.env['ROWBACK_TEST_PG_URL'];
  if (given) return { source: given, target: given, shared: true };
  const [source, target] = await Promise.all([
    track(
      startPostgres({
        locale: 'C',
        log: log('pg-source'),
        settings: {
          TimeZone: 'America/New_York',
          DateStyle: 'SQL, DMY',
          IntervalStyle: 'sql_standard',
          extra_float_digits: '0',
          bytea_output: 'escape',
        },
      }),
    ),
    track(startPostgresTarget()),
  ]);
  return { source: source.url, target: target.url, shared: false };
}

/** The target uses a linguistic collation: ICU en-US when the server has ICU, else the best OS locale. */
async function startPostgresTarget(): Promise<RunningServer> {
  const locale = await bestLocale();
  const settings = { TimeZone: 'Asia/Kolkata', DateStyle: 'German' };
  try {
    return await startPostgres({ locale, icuLocale: 'en-US', settings, log: log('pg-target') });
  } catch (error) {
    // No ICU in this build (or PostgreSQL < 15): the OS locale alone still differs from the source's C.
    if (!/icu|locale-provider/i.test(error instanceof Error ? error.message : '')) throw error;
    return startPostgres({ locale, settings, log: log('pg-target') });
  }
}

/** en_US.UTF-8 if the OS has it, else C.UTF-8, else C. */
async function bestLocale(): Promise<string> {
  let installed: string[] = [];
  try {
    installed = (await promisify(execFile)('locale', ['-a'])).stdout
      .split('\n')
      .map((l) => l.trim().toLowerCase());
  } catch {
    // no `locale` tool: assume only C
  }
  if (installed.includes('en_us.utf8') || installed.includes('en_us.utf-8')) return 'en_US.UTF-8';
  if (installed.includes('c.utf8') || installed.includes('c.utf-8')) return 'C.UTF-8';
  return 'C';
}

async function mysqlPair(): Promise<ServerPair> {
  const given = process.env['ROWBACK_TEST_MYSQL_URL'];
  if (given) return { source: given, target: given, shared: true };
  const [source, target] = await Promise.all([
    track(
      startMariaDb({
        log: log('mariadb-source'),
        settings: {
          'character-set-server': 'latin1',
          'collation-server': 'latin1_swedish_ci',
          'default-time-zone': '+05:00',
          'sql-mode':
            'ANSI_QUOTES,PIPES_AS_CONCAT,STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION',
        },
      }),
    ),
    track(
      startMariaDb({
        log: log('mariadb-target'),
        settings: {
          'character-set-server': 'utf8mb4',
          'collation-server': 'utf8mb4_unicode_ci',
          'default-time-zone': '-03:00',
        },
      }),
    ),
  ]);
  return { source: source.url, target: target.url, shared: false };
}
