import mysql from 'mysql2/promise';
import type { SqlSession } from '../src/demo/db.js';
import { startProducer } from './process.js';
import {
  type CaseName,
  type Command,
  EDIT_ROWS,
  type Fingerprint,
  fingerprintOf,
  NEW_WRITES,
  type Scenario,
  withEdits,
} from './scenario.js';

/** A helper table of keys 1..n: MySQL has no generate_series. */
const NUMBERS = 'rowback_bench_numbers';

/** Every column of the table, for the batch client's text output. */
const SELECT_ALL = 'SELECT id, account_id, amount, currency, status, created_at, note FROM billing';

/** Both ends of the floor read and write timestamps in UTC. */
const PIN_ZONE = "SET time_zone = '+00:00'";

/** The rows of `billing` for keys lo..hi, as the generator makes them (see the PostgreSQL scenario). */
export function generated(lo: number, hi: number, after = false): string {
  const note = after ? `CONCAT('written after the accident #', n)` : `CONCAT('invoice ', n)`;
  return `SELECT n AS id, 1 + n % 5000 AS account_id,
      CAST((n * 7919) % 1000000 / 100 ${after ? '+ 0.01' : ''} AS DECIMAL(12,2)) AS amount,
      ELT(1 + n % 4, 'EUR', 'USD', 'GBP', 'CHF') AS currency,
      ${after ? `'open'` : `ELT(1 + n % 3, 'open', 'paid', 'void')`} AS status,
      CAST(TIMESTAMP('2024-01-01 00:00:00') + INTERVAL n * 1234567 MICROSECOND AS DATETIME(6)) AS created_at,
      IF(n % 10 = 0, NULL, ${note}) AS note
    FROM ${NUMBERS} WHERE n BETWEEN ${lo} AND ${hi}`;
}

const CHECKSUM = `CAST(COUNT(*) AS CHAR) AS \`rows\`, CAST(COALESCE(SUM(CAST(CONV(SUBSTRING(MD5(CONCAT_WS('|',
  id, account_id, amount, currency, status, created_at, IFNULL(note, '<null>'))), 1, 15), 16, 10) AS UNSIGNED)), 0)
  AS CHAR) AS checksum`;

/** The mysql client programs' connection arguments for a URL; the password travels in MYSQL_PWD. */
function clientArgs(url: string): { args: string[]; env: Record<string, string> } {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.slice(1));
  const args = [
    '--protocol=TCP',
    `--host=${parsed.hostname}`,
    `--port=${parsed.port || '3306'}`,
    `--user=${decodeURIComponent(parsed.username) || 'root'}`,
    database,
  ];
  return { args, env: parsed.password ? { MYSQL_PWD: decodeURIComponent(parsed.password) } : {} };
}

export function client(program: string, url: string, options: string[], after: string[] = []): Command {
  const { args, env } = clientArgs(url);
  return { program, args: [...options, ...args, ...after], env };
}

export function mysqlScenario(): Scenario {
  return {
    engine: 'mysql',
    async create(db, rows) {
      await fillNumbers(db, rows + NEW_WRITES);
      await db.run('DROP TABLE IF EXISTS billing');
      await db.run(`CREATE TABLE billing (
        id bigint PRIMARY KEY, account_id bigint NOT NULL, amount decimal(12,2) NOT NULL,
        currency char(3) NOT NULL, status varchar(8) NOT NULL,
        created_at timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), note text) ENGINE=InnoDB`);
      await db.run(`INSERT INTO billing ${generated(1, rows)}`);
      await db.run('ANALYZE TABLE billing');
    },
    async prepare(db, kase, rows) {
      await db.run('TRUNCATE billing');
      await db.run(`INSERT INTO billing ${generated(1, rows)}`);
      await db.run('ANALYZE TABLE billing');
      await accident(db, kase, rows);
    },
    async empty(db) {
      await db.run('TRUNCATE billing');
    },
    async fingerprint(db) {
      return fingerprintOf((await db.rows(`SELECT ${CHECKSUM} FROM billing`))[0]);
    },
    async expected(db, kase, rows): Promise<Fingerprint> {
      const before = kase === 'B' ? withEdits(generated(1, rows)) : generated(1, rows);
      const after = kase === 'B' ? ` UNION ALL ${generated(rows + 1, rows + NEW_WRITES, true)}` : '';
      return fingerprintOf((await db.rows(`SELECT ${CHECKSUM} FROM (${before}${after}) AS b`))[0]);
    },
    manual(source, target) {
      return {
        label: 'mysqldump | mysql',
        producer: client(
          'mysqldump',
          source,
          ['--no-create-info', '--skip-triggers', '--single-transaction'],
          ['billing'],
        ),
        consumer: client('mysql', target, []),
      };
    },
    handMerge(source, target) {
      const load = `LOAD DATA LOCAL INFILE '/dev/stdin' INTO TABLE stage
        (id, account_id, amount, currency, status, created_at, @note) SET note = NULLIF(@note, 'NULL')`;
      const merge = `INSERT INTO billing SELECT s.* FROM stage s LEFT JOIN billing t ON t.id = s.id WHERE t.id IS NULL`;
      return {
        label: 'SELECT | stage + anti-join',
        producer: client('mysql', source, [
          '--batch',
          '--skip-column-names',
          '--quick',
          `--init-command=${PIN_ZONE}`,
          `--execute=${SELECT_ALL}`,
        ]),
        consumer: throughPipe(
          client('mysql', target, [
            '--local-infile=1',
            `--init-command=${PIN_ZONE}`,
            `--execute=CREATE TEMPORARY TABLE stage LIKE billing; ${load}; ANALYZE TABLE stage; ${merge}`,
          ]),
        ),
      };
    },
    floorLabel: 'SELECT | LOAD DATA',
    async floor(source, target) {
      // Batch mode escapes tab, newline and backslash the way LOAD DATA reads them, but prints NULL as
      // the word NULL: the bench's notes never hold that word, so NULLIF restores NULL exactly.
      const select = SELECT_ALL;
      const load = `LOAD DATA LOCAL INFILE 'billing.txt' INTO TABLE billing
        (id, account_id, amount, currency, status, created_at, @note) SET note = NULLIF(@note, 'NULL')`;
      const connection = await mysql.createConnection({ uri: target, flags: ['+LOCAL_FILES'] });
      const producer = startProducer(
        client('mysql', source, [
          '--batch',
          '--skip-column-names',
          '--quick',
          `--init-command=${PIN_ZONE}`,
          `--execute=${select}`,
        ]),
      );
      try {
        await connection.query(PIN_ZONE);
        await connection.query({ sql: load, infileStreamFactory: () => producer.stdout });
        await producer.done;
      } finally {
        producer.stop();
        await connection.end();
      }
    },
    async cleanup(db) {
      await db.run('DROP TABLE IF EXISTS billing');
      await db.run(`DROP TABLE IF EXISTS ${NUMBERS}`);
    },
  };
}

/**
 * The command reading its stdin from a pipe, as after `|` in a shell: the bench hands a child a socket,
 * which the client cannot open as `/dev/stdin`.
 */
function throughPipe(command: Command): Command {
  return { ...command, program: 'sh', args: ['-c', 'cat | "$0" "$@"', command.program, ...command.args] };
}

/** Fills the helper table with 1..count by doubling, set-based. */
async function fillNumbers(db: SqlSession, count: number): Promise<void> {
  await db.run(`DROP TABLE IF EXISTS ${NUMBERS}`);
  await db.run(`CREATE TABLE ${NUMBERS} (n bigint PRIMARY KEY) ENGINE=InnoDB`);
  await db.run(`INSERT INTO ${NUMBERS} VALUES (1)`);
  for (let have = 1; have < count; have *= 2) {
    await db.run(`INSERT INTO ${NUMBERS} SELECT n + ${have} FROM ${NUMBERS} WHERE n + ${have} <= ${count}`);
  }
}

/** The accident, as it happened on the live database. */
export async function accident(db: SqlSession, kase: CaseName, rows: number): Promise<void> {
  if (kase === 'A') {
    await db.run('DELETE FROM billing');
    return;
  }
  await db.run('DELETE FROM billing WHERE id % 2 = 0');
  await db.run(`INSERT INTO billing ${generated(rows + 1, rows + NEW_WRITES, true)}`);
  await db.run(EDIT_ROWS);
}
