import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { SqlSession } from '../src/demo/db.js';
import {
  type CaseName,
  EDIT_ROWS,
  type Fingerprint,
  fingerprintOf,
  NEW_WRITES,
  type Scenario,
  withEdits,
} from './scenario.js';

/**
 * The rows of `billing` for keys lo..hi, as the generator makes them. `after` rows are the writes made
 * after the accident: other values, so that a repair that drops or rewrites them is caught.
 */
export function generated(lo: number, hi: number, after = false): string {
  const note = after ? `'written after the accident #' || g` : `'invoice ' || g`;
  return `SELECT g::bigint AS id, (1 + g % 5000)::bigint AS account_id,
      ((g * 7919) % 1000000 / 100.0 ${after ? '+ 0.01' : ''})::numeric(12,2) AS amount,
      (ARRAY['EUR','USD','GBP','CHF'])[1 + g % 4]::char(3) AS currency,
      ${after ? `'open'` : `(ARRAY['open','paid','void'])[1 + g % 3]`} AS status,
      timestamptz '2024-01-01 00:00:00+00' + g * interval '1234567 microseconds' AS created_at,
      CASE WHEN g % 10 = 0 THEN NULL ELSE ${note} END AS note
    FROM generate_series(${lo}::bigint, ${hi}::bigint) AS g`;
}

export const CHECKSUM = `count(*)::text AS rows, coalesce(sum(('x' || substr(md5(concat_ws('|', id, account_id,
  amount, currency, status, created_at, coalesce(note, '<null>'))), 1, 15))::bit(60)::bigint), 0)::text AS checksum`;

/** Client programs: those beside the server's binaries first, else the ones on PATH. */
export function tool(name: string, binDir: string | undefined): string {
  const beside = binDir ? join(binDir, name) : undefined;
  return beside && existsSync(beside) ? beside : name;
}

export function postgresScenario(binDir?: string): Scenario {
  return {
    engine: 'postgres',
    async create(db, rows) {
      await db.run('DROP TABLE IF EXISTS billing');
      await db.run(`CREATE TABLE billing (
        id bigint PRIMARY KEY, account_id bigint NOT NULL, amount numeric(12,2) NOT NULL,
        currency char(3) NOT NULL, status text NOT NULL, created_at timestamptz(6) NOT NULL, note text)`);
      await db.run(`INSERT INTO billing ${generated(1, rows)}`);
      await db.run('VACUUM ANALYZE billing');
    },
    async prepare(db, kase, rows) {
      await db.run('TRUNCATE billing');
      await db.run(`INSERT INTO billing ${generated(1, rows)}`);
      await db.run('VACUUM ANALYZE billing');
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
        label: 'pg_dump | psql',
        producer: {
          program: tool('pg_dump', binDir),
          args: ['--data-only', '--table=billing', `--dbname=${source}`],
        },
        consumer: {
          program: tool('psql', binDir),
          args: ['--no-psqlrc', '--quiet', '--set=ON_ERROR_STOP=1', `--dbname=${target}`],
        },
      };
    },
    handMerge(source, target) {
      const psql = (url: string, commands: string[]) => ({
        program: tool('psql', binDir),
        args: [
          '--no-psqlrc',
          '--quiet',
          '--set=ON_ERROR_STOP=1',
          `--dbname=${url}`,
          ...commands.map((c) => `--command=${c}`),
        ],
      });
      return {
        label: 'COPY | stage + anti-join',
        producer: psql(source, ['COPY billing TO STDOUT']),
        consumer: psql(target, [
          'CREATE TEMP TABLE stage (LIKE billing)',
          'COPY stage FROM STDIN',
          'ANALYZE stage',
          'INSERT INTO billing SELECT s.* FROM stage s WHERE NOT EXISTS (SELECT 1 FROM billing t WHERE t.id = s.id)',
        ]),
      };
    },
    floorLabel: 'COPY | COPY',
    async floor(source, target) {
      const from = new pg.Client({ connectionString: source });
      const to = new pg.Client({ connectionString: target });
      await from.connect();
      try {
        await to.connect();
        await pipeline(
          from.query(copyTo('COPY billing TO STDOUT')),
          to.query(copyFrom('COPY billing FROM STDIN')),
        );
      } finally {
        await Promise.allSettled([from.end(), to.end()]);
      }
    },
    async cleanup(db) {
      await db.run('DROP TABLE IF EXISTS billing');
    },
  };
}

/** The accident, as it happened on the live database. */
async function accident(db: SqlSession, kase: CaseName, rows: number): Promise<void> {
  if (kase === 'A') {
    await db.run('DELETE FROM billing');
    return;
  }
  await db.run('DELETE FROM billing WHERE id % 2 = 0');
  await db.run(`INSERT INTO billing ${generated(rows + 1, rows + NEW_WRITES, true)}`);
  await db.run(EDIT_ROWS);
}
