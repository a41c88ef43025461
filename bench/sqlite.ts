import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SqlSession } from '../src/demo/db.js';
import { connect } from '../src/index.js';
import { runPipeline } from './process.js';
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
 * The rows of `billing` for keys lo..hi, as the generator makes them (a recursive CTE: generate_series is
 * not in every SQLite). `after` rows are the writes made after the accident, with other values.
 */
export function generated(lo: number, hi: number, after = false): string {
  const note = after ? `'written after the accident #' || g` : `'invoice ' || g`;
  return `WITH RECURSIVE s(g) AS (SELECT ${lo} UNION ALL SELECT g + 1 FROM s WHERE g < ${hi})
    SELECT g AS id, 1 + g % 5000 AS account_id, (g * 7919) % 1000000 / 100.0 ${after ? '+ 0.01' : ''} AS amount,
      substr('EURUSDGBPCHF', 1 + (g % 4) * 3, 3) AS currency,
      ${after ? `'open'` : `CASE g % 3 WHEN 0 THEN 'open' WHEN 1 THEN 'paid' ELSE 'void' END`} AS status,
      datetime(1704067200 + g * 1234567 / 1000000, 'unixepoch') AS created_at,
      CASE WHEN g % 10 = 0 THEN NULL ELSE ${note} END AS note
    FROM s`;
}

/** An order-independent checksum with no md5 in SQLite: every column weighs in, summed modulo a prime. */
const CHECKSUM = `CAST(count(*) AS TEXT) AS rows, CAST(coalesce(sum((id * 1000003 + account_id * 7919
  + CAST(round(amount * 100) AS INTEGER) * 31 + unicode(currency) * 37 + unicode(substr(currency, 2)) * 41
  + unicode(status) * 43 + unicode(substr(status, 2)) * 47 + coalesce(length(note) * 53 + CAST(substr(note, 9) AS INTEGER) % 999983, 7)
  + CAST(strftime('%s', created_at) AS INTEGER) % 999979) % 1000000007), 0) AS TEXT) AS checksum`;

/** A SQL session on a database file, through rowback's own pinned connection. */
export async function openSqlite(path: string): Promise<SqlSession> {
  const db = await connect(path, { multipleStatements: true });
  return {
    engine: 'sqlite',
    run: (sql) => db.exec(sql),
    rows: async (sql) => {
      const result = await db.query(sql);
      return result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c, row[i] ?? null])));
    },
    close: () => db.close(),
  };
}

/** Two database files in a private directory: the backup (source) and the application's (target). */
export async function sqliteFiles(): Promise<{ source: string; target: string; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'rowback-bench-'));
  const { default: Database } = await import('better-sqlite3');
  for (const name of ['backup.db', 'app.db']) {
    const db = new Database(join(dir, name));
    db.pragma('user_version = 1'); // writes the header: an empty file is no database yet
    // The application's file in WAL mode, as most applications run SQLite.
    if (name === 'app.db') db.pragma('journal_mode = WAL');
    db.close();
  }
  return {
    source: join(dir, 'backup.db'),
    target: join(dir, 'app.db'),
    stop: () => rm(dir, { recursive: true, force: true }),
  };
}

export function sqliteScenario(): Scenario {
  return {
    engine: 'sqlite',
    // INSERT OR IGNORE keeps the rows written since: the careful manual way merges, as rowback does.
    manualMerges: true,
    async create(db, rows) {
      await db.run(`DROP TABLE IF EXISTS billing;
        CREATE TABLE billing (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL, amount REAL NOT NULL,
          currency TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, note TEXT);
        INSERT INTO billing ${generated(1, rows)}; ANALYZE billing`);
    },
    async prepare(db, kase, rows) {
      await db.run(`DELETE FROM billing; INSERT INTO billing ${generated(1, rows)}; ANALYZE billing`);
      await accident(db, kase, rows);
    },
    async empty(db) {
      await db.run('DELETE FROM billing');
    },
    async fingerprint(db) {
      return fingerprintOf((await db.rows(`SELECT ${CHECKSUM} FROM billing`))[0]);
    },
    async expected(db, kase, rows): Promise<Fingerprint> {
      const after =
        kase === 'B' ? ` UNION ALL SELECT * FROM (${generated(rows + 1, rows + NEW_WRITES, true)})` : '';
      return fingerprintOf(
        (
          await db.rows(
            `SELECT ${CHECKSUM} FROM (SELECT * FROM (${kase === 'B' ? withEdits(generated(1, rows)) : generated(1, rows)})${after})`,
          )
        )[0],
      );
    },
    manual(source, target) {
      return {
        label: 'sqlite3 .dump | sqlite3',
        producer: {
          program: 'sh',
          args: [
            '-c',
            `sqlite3 "$0" ".dump billing" | sed '/^CREATE TABLE/,/;$/d; s/^INSERT INTO/INSERT OR IGNORE INTO/'`,
            source,
          ],
        },
        consumer: { program: 'sqlite3', args: ['-bail', target] },
      };
    },
    floorLabel: 'ATTACH + INSERT … SELECT',
    async floor(source, target) {
      // SQLite's own copy, page to page inside one engine: what any tool moving rows can at best approach.
      const attach = `ATTACH DATABASE '${source.replace(/'/g, "''")}' AS src; INSERT INTO main.billing SELECT * FROM src.billing;`;
      await runPipeline(
        { program: 'sh', args: ['-c', 'printf "%s" "$0"', attach] },
        { program: 'sqlite3', args: ['-bail', target] },
      );
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
  await db.run(
    `DELETE FROM billing WHERE id % 2 = 0; INSERT INTO billing ${generated(rows + 1, rows + NEW_WRITES, true)}; ${EDIT_ROWS}`,
  );
}
