import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type Scratch, scratch, tempDir } from '../../harness/index.js';
import { loadSakila, PAYMENT_TABLES, sakilaInserts, splitStatements } from './sakila.js';

describe('Sakila payments on MySQL', () => {
  let db: Scratch;
  beforeAll(async () => {
    db = await scratch('mysql');
    const inserts = await sakilaInserts(PAYMENT_TABLES);
    await Promise.all([db.source, db.target].map((side) => loadSakila(side, PAYMENT_TABLES, inserts)));
  }, 180_000);
  afterAll(() => db?.close());

  it('splits the schema script at its DELIMITER changes: triggers and routines stay whole', async () => {
    const { readFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { SAKILA_DIR } = await import('../../harness/index.js');
    const statements = splitStatements(await readFile(join(SAKILA_DIR, 'mysql-sakila-schema.sql'), 'utf8'));
    const trigger = statements.find((s) => s.startsWith('CREATE TRIGGER `upd_film`'));
    expect(trigger).toMatch(/END IF;\s+END$/);
    expect(
      statements.filter((s) => /^CREATE (TABLE|TRIGGER|VIEW|DEFINER|PROCEDURE|FUNCTION)/.test(s)),
    ).toHaveLength(16 + 3 + 7 + 6);
  });

  it('loads the same 16,049 payments on both sides, byte for byte', async () => {
    const source = await db.dump('source', 'payment', ['payment_id']);
    expect(source).toHaveLength(16049);
    expect(source[0]).toBe('1\t1\t1\t76\t2.99\t2005-05-25 11:30:37\t2006-02-15 22:12:30');
    expect(await db.dump('target', 'payment', ['payment_id'])).toEqual(source);
    expect(await db.dump('target', 'film', ['film_id'])).toEqual(
      await db.dump('source', 'film', ['film_id']),
    );
  });

  it('restores the payments of deleted customers, keeps the ones written since, and undoes it exactly', async () => {
    const source = await db.dump('source', 'payment', ['payment_id']);
    // the accident: three customers' payments deleted; since then, new payments and a corrected amount
    await db.target.exec('DELETE FROM payment WHERE customer_id IN (5, 77, 341)');
    await db.target.exec(`INSERT INTO payment (payment_id, customer_id, staff_id, rental_id, amount, payment_date, last_update)
      VALUES (16050, 5, 1, NULL, 7.99, '2026-11-25 09:00:00', '2026-11-25 09:00:00'),
             (16051, 130, 2, 1, -0.50, '2026-11-25 09:01:00.000000', '2026-11-25 09:01:00')`);
    await db.target.exec(
      "UPDATE payment SET amount = 0.00, last_update = '2026-11-25 09:02:00' WHERE payment_id = 3",
    );
    const before = await db.dump('target', 'payment', ['payment_id']);
    const deleted = source.length - (before.length - 2);
    expect(deleted).toBe(89);

    const stateDir = await tempDir();
    const run = await runCli([
      'restore',
      'payment',
      '--from',
      db.sourceUrl,
      '--to',
      db.targetUrl,
      '--yes',
      '--json',
      '--state-dir',
      stateDir,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { id: string; applied: unknown; plan: unknown };
    expect(report.plan).toEqual({
      missing: deleted,
      changed: 1,
      extra: 2,
      same: source.length - deleted - 1,
    });
    expect(report.applied).toEqual({ inserted: deleted, updated: 0, deleted: 0 });
    const expected = source.map((line) => (line.startsWith('3\t') ? before[2]! : line));
    expected.push(...before.slice(-2));
    expect(expected[2]).toBe('3\t1\t1\t1185\t0.00\t2005-06-15 00:54:12\t2026-11-25 09:02:00');
    expect(await db.dump('target', 'payment', ['payment_id'])).toEqual(expected);

    const undone = await runCli([
      'undo',
      report.id,
      '--to',
      db.targetUrl,
      '--yes',
      '--json',
      '--state-dir',
      stateDir,
    ]);
    expect(undone.code, undone.stderr).toBe(0);
    expect(await db.dump('target', 'payment', ['payment_id'])).toEqual(before);
  });
});
