import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PlanCounts, restore } from '../../../src/index.js';
import { loadSakila, PAYMENT_TABLES, sakilaInserts } from '../../engines/mysql/sakila.js';
import { type Scratch, scratch, tempDir } from '../../harness/index.js';

const run = promisify(execFile);

/** mariadb-dump's connection flags for a scratch URL. */
function flags(url: string): string {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  return `-h ${u.hostname} -P ${u.port || 3306} -u ${decodeURIComponent(u.username)}${password ? ` -p'${password}'` : ''}`;
}

/**
 * Sakila's payment (unsigned integers, DECIMAL, DATETIME, TIMESTAMP, a NULL-able reference) restored from
 * every variant the real mariadb-dump writes, against the same restore from the live source. The
 * two-database dump holds a second table named payment, with other rows.
 */
const DUMPS: Record<string, (f: string, db: string, file: string) => string> = {
  'default, whole database': (f, db, file) => `mariadb-dump ${f} ${db} > ${file}`,
  'default, one table': (f, db, file) => `mariadb-dump ${f} ${db} payment > ${file}`,
  '--hex-blob': (f, db, file) => `mariadb-dump ${f} --hex-blob ${db} > ${file}`,
  '--skip-extended-insert --complete-insert': (f, db, file) =>
    `mariadb-dump ${f} --skip-extended-insert --complete-insert ${db} payment > ${file}`,
  '--no-create-info': (f, db, file) => `mariadb-dump ${f} --no-create-info ${db} payment > ${file}`,
  gzip: (f, db, file) => `mariadb-dump ${f} ${db} | gzip > ${file}`,
  'whole file zstd': (f, db, file) => `mariadb-dump ${f} ${db} payment | zstd -q -o ${file}`,
  'two databases': (f, db, file) => `mariadb-dump ${f} --databases ${db}_other ${db} > ${file}`,
};

/** What happened to the target since the dump: rows deleted, changed and added. */
const ACCIDENT = [
  'DELETE FROM payment WHERE payment_id % 7 = 0',
  'UPDATE payment SET amount = amount + 1 WHERE payment_id % 5 = 0',
  "INSERT IGNORE INTO payment VALUES (90000, 1, 1, NULL, 1.00, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
];

let s: Scratch;
let dir: string;
let db: string;
let fromLive: string[];
let livePlan: PlanCounts;

async function restorePayment(from: string, fromTable?: string): Promise<string[]> {
  for (const sql of ACCIDENT) await s.target.exec(sql);
  const report = await restore({
    table: 'payment',
    ...(fromTable ? { fromTable } : {}),
    from,
    to: s.targetUrl,
    stateDir: dir,
    changed: 'take-source',
    extra: 'delete',
  });
  expect(report.outcome).toBe('applied');
  livePlan ??= report.plan;
  expect(report.plan).toEqual(livePlan);
  return s.dump('target', 'payment', ['payment_id']);
}

beforeAll(async () => {
  s = await scratch('mysql');
  dir = await tempDir();
  const inserts = await sakilaInserts(PAYMENT_TABLES);
  await Promise.all([s.source, s.target].map((side) => loadSakila(side, PAYMENT_TABLES, inserts)));
  db = new URL(s.sourceUrl).pathname.slice(1);
  await s.source.exec(`CREATE DATABASE \`${db}_other\``);
  await s.source.exec(
    `CREATE TABLE \`${db}_other\`.payment (payment_id int PRIMARY KEY, amount decimal(5,2) NOT NULL)`,
  );
  await s.source.exec(`INSERT INTO \`${db}_other\`.payment VALUES (1, 999.99)`);
  for (const [name, command] of Object.entries(DUMPS)) {
    await run('bash', ['-o', 'pipefail', '-c', command(flags(s.sourceUrl), db, join(dir, slug(name)))]);
  }
  fromLive = await restorePayment(s.sourceUrl);
}, 300_000);

afterAll(async () => {
  await s?.source.exec(`DROP DATABASE IF EXISTS \`${db}_other\``);
  await s?.close();
});

function slug(name: string): string {
  return name.replace(/[^a-z0-9]+/g, '-');
}

describe('restoring Sakila payment from a mariadb-dump file', () => {
  it('restores from the live source to exactly the source table (the reference for every dump)', async () => {
    expect(fromLive).toEqual(await s.dump('source', 'payment', ['payment_id']));
    expect(livePlan.missing).toBeGreaterThan(2000);
    expect(livePlan.changed).toBeGreaterThan(2000);
    expect(livePlan.extra).toBe(1);
  });

  for (const name of Object.keys(DUMPS).filter((n) => n !== 'two databases')) {
    it(`restores from a ${name} dump exactly what the live source restores`, async () => {
      expect(await restorePayment(join(dir, slug(name)))).toEqual(fromLive);
    }, 240_000); // 16,000 single-row INSERTs take a while on a busy machine
  }

  it('reads the database named with --from-table from a dump of two databases each holding payment', async () => {
    expect(await restorePayment(join(dir, slug('two databases')), `${db}.payment`)).toEqual(fromLive);
  });
});
