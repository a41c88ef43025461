import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { restore, undo } from '../../../src/index.js';
import { tempDir } from '../../harness/index.js';
import { described, dump, merged, rowback, TIMEOUT, undoRun } from './cli-support.js';
import { type BinlogDb, binlogDb, nextSecond } from './support.js';

/** A row of billing, every column's SQL literal: text with tabs, newlines, backslashes and emoji; bytes. */
function billingRow(id: number, variant = ''): string {
  const note =
    id % 7 === 0 ? 'NULL' : `'note ${id}${variant}: tab\\there, line\\nbreak, back\\\\slash, 🙂 ünï'`;
  const created = `'2026-11-${String(1 + (id % 28)).padStart(2, '0')} 10:${String(id % 60).padStart(2, '0')}:59.${String(
    id * 7919,
  )
    .padStart(6, '0')
    .slice(-6)}'`;
  return `(${id}, 'acct-${id % 13}${variant}', ${id * 37}.${String(id % 10000).padStart(4, '0')}, ${created}, ${note}, ${id}/3e0, UNHEX('00${(id % 256).toString(16).padStart(2, '0')}0A09FF'))`;
}

const BILLING = `CREATE TABLE billing (
  id int PRIMARY KEY,
  account varchar(40) NOT NULL,
  amount decimal(14,4) NOT NULL,
  created datetime(6) NOT NULL,
  note text,
  ratio double NOT NULL,
  payload varbinary(16)
) ENGINE=InnoDB CHARACTER SET utf8mb4`;

function rows(from: number, to: number, variant = ''): string {
  return Array.from({ length: to - from + 1 }, (_, i) => billingRow(from + i, variant)).join(', ');
}

describe('rowback restore billing --from binlog on MariaDB, through the command line', () => {
  let db: BinlogDb;
  let stateDir: string;
  /** The table at the moment before the accident, the moment, and the table once the later writes are in. */
  let atMoment: string[];
  let moment: string;
  let position: string;
  let gtid: string;
  let now: string[];

  beforeAll(async () => {
    db = await binlogDb('rows');
    stateDir = await tempDir();
    await db.sql.exec(BILLING);
    await db.sql.exec(`INSERT INTO billing VALUES ${rows(1, 300)}`);
    moment = await nextSecond(db.sql);
    atMoment = await dump(db, 'billing');
    const [[file, offset]] = (await db.sql.query('SHOW MASTER STATUS')) as [[string, string]];
    position = `${file}:${offset}`;
    await db.sql.exec('DELETE FROM billing');
    [[gtid]] = (await db.sql.query('SELECT @@last_gtid')) as [[string]];
    // Writes made since: new keys, one of them updated, and a deleted key written again.
    await db.sql.exec(`INSERT INTO billing VALUES ${rows(301, 310)}`);
    await db.sql.exec("UPDATE billing SET account = 'changed since' WHERE id = 301");
    await db.sql.exec(`INSERT INTO billing VALUES ${billingRow(5, ' written again')}`);
    now = await dump(db, 'billing');
  }, TIMEOUT);

  afterAll(async () => {
    await db?.close();
  });

  const base = () => ['billing', '--from', 'binlog', '--to', db.url, '--state-dir', stateDir];

  test(
    'previews the plan: the deleted rows missing, the key written again changed, the new keys extra',
    async () => {
      const diff = await rowback(['diff', ...base(), '--as-of', moment, '--json']);
      expect(diff.code, described(diff)).toBe(0);
      expect(diff.json?.['plan']).toEqual({ missing: 299, changed: 1, extra: 10, same: 0 });
      const dry = await rowback(['restore', ...base(), '--as-of', moment, '--dry-run', '--yes', '--json']);
      expect(dry.code, described(dry)).toBe(0);
      expect(dry.json?.['outcome']).toBe('dry-run');
      expect(dry.json?.['applied']).toEqual({ inserted: 299, updated: 0, deleted: 0 });
      expect(await dump(db, 'billing')).toEqual(now);
    },
    TIMEOUT,
  );

  test(
    'puts back the DELETE without WHERE as of the moment, keeps the writes made since, and undoes it',
    async () => {
      const restored = await rowback(['restore', ...base(), '--as-of', moment, '--yes', '--json']);
      expect(restored.code, described(restored)).toBe(0);
      expect(restored.json?.['applied']).toEqual({ inserted: 299, updated: 0, deleted: 0 });
      expect(restored.json?.['verification']).toMatchObject({ mismatched: 0 });
      expect(await dump(db, 'billing')).toEqual(merged(atMoment, now));

      await undoRun(db, restored, stateDir);
      expect(await dump(db, 'billing')).toEqual(now);
    },
    TIMEOUT,
  );

  test.each([
    ['--as-of-position', () => position],
    ['--as-of-gtid', () => gtid],
  ])(
    'rewinds exactly to the moment named by %s (take-source, extra delete), and undoes it',
    async (flag, value) => {
      const restored = await rowback([
        'restore',
        ...base(),
        flag,
        value(),
        '--changed',
        'take-source',
        '--extra',
        'delete',
        '--yes',
        '--json',
      ]);
      expect(restored.code, described(restored)).toBe(0);
      expect(restored.json?.['applied']).toEqual({ inserted: 299, updated: 1, deleted: 10 });
      expect(await dump(db, 'billing')).toEqual(atMoment);
      await undoRun(db, restored, stateDir);
      expect(await dump(db, 'billing')).toEqual(now);
    },
    TIMEOUT,
  );

  test(
    'the same through the library: restore({ from: "binlog", asOf }) and undo()',
    async () => {
      const report = await restore({ table: 'billing', from: 'binlog', to: db.url, asOf: moment, stateDir });
      expect(report.outcome).toBe('applied');
      expect(report.applied).toEqual({ inserted: 299, updated: 0, deleted: 0 });
      expect(await dump(db, 'billing')).toEqual(merged(atMoment, now));
      await undo({ id: report.id, to: db.url, stateDir });
      expect(await dump(db, 'billing')).toEqual(now);
      const gtidReport = await restore({
        table: 'billing',
        from: 'binlog',
        to: db.url,
        sourceFlags: { asOfGtid: gtid },
        changed: 'take-source',
        extra: 'delete',
        stateDir,
      });
      expect(gtidReport.applied).toEqual({ inserted: 299, updated: 1, deleted: 10 });
      expect(await dump(db, 'billing')).toEqual(atMoment);
      await undo({ id: gtidReport.id, to: db.url, stateDir });
      expect(await dump(db, 'billing')).toEqual(now);
    },
    TIMEOUT,
  );
});
