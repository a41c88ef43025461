import { writeFile } from 'node:fs/promises';
import { join as joinPath } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { restore, undo } from '../../../src/index.js';
import { tempDir } from '../../harness/index.js';
import { byId, described, dump, merged, rowback, TIMEOUT, undoRun } from './cli-support.js';
import { type BinlogDb, binlogDb, nextSecond, serverNow } from './support.js';

const ACCOUNTS = `CREATE TABLE accounts (
  id int PRIMARY KEY,
  name varchar(40) NOT NULL,
  plan varchar(20) NOT NULL,
  seats int NOT NULL,
  note text
) ENGINE=InnoDB CHARACTER SET utf8mb4`;

const PLANS = ['pro', 'team', 'free', 'enterprise'];

function account(id: number): string {
  const note = id % 5 === 0 ? 'NULL' : `'note ${id}: tab\\there, 🙂'`;
  return `(${id}, 'acct ${id}', '${PLANS[id % 4]}', ${id * 3}, ${note})`;
}

const PLAN = 2;

/** Fields of a dumped line; a line from fields. */
const fields = (line: string) => line.split('\t');
const join = (f: string[]) => f.join('\t');

/**
 * What backing out the UPDATE must leave, computed from the table before it and now: a row whose plan the
 * accident changed gets its old plan back where plan is still 'free'; with take-source also where it was
 * changed again, and a row deleted since comes back whole. Everything else stays as it is now.
 */
function expectedAfterUpdate(before: string[], now: string[], take: boolean): string[] {
  const then = byId(before);
  const out = byId(now);
  for (const [id, old] of then) {
    const wasChanged = fields(old)[PLAN] !== 'free';
    if (!wasChanged) continue;
    const current = out.get(id);
    if (!current) {
      if (take) out.set(id, old);
      continue;
    }
    const f = fields(current);
    if (f[PLAN] === 'free' || take) {
      f[PLAN] = fields(old)[PLAN]!;
      out.set(id, join(f));
    }
  }
  return [...out.entries()].sort((a, b) => Number(a[0]) - Number(b[0])).map(([, l]) => l);
}

/** A database of its own with accounts 1 to `n` (binlog in ROW format), and a state dir for the runs. */
async function accountsDb(n: number): Promise<{ db: BinlogDb; stateDir: string }> {
  const db = await binlogDb('rows');
  await db.sql.exec(ACCOUNTS);
  await db.sql.exec(
    `INSERT INTO accounts VALUES ${Array.from({ length: n }, (_, i) => account(i + 1)).join(', ')}`,
  );
  return { db, stateDir: await tempDir() };
}

describe('rowback restore --backout: an UPDATE without WHERE backed out from the binlog', () => {
  let db: BinlogDb;
  let stateDir: string;
  let before: string[];
  let now: string[];
  let gtid: string;

  beforeAll(async () => {
    ({ db, stateDir } = await accountsDb(40));
    before = await dump(db, 'accounts');
    await db.sql.exec("UPDATE accounts SET plan = 'free'");
    [[gtid]] = (await db.sql.query('SELECT @@last_gtid')) as [[string]];
    // Since: the same column edited again (conflicts), set back by hand, other columns edited (kept),
    // a row deleted, new rows.
    await db.sql.exec("UPDATE accounts SET plan = 'basic' WHERE id IN (1, 3)");
    await db.sql.exec("UPDATE accounts SET plan = 'pro' WHERE id = 4");
    await db.sql.exec(
      "UPDATE accounts SET seats = seats + 100, note = 'edited since' WHERE id IN (5, 6, 10)",
    );
    await db.sql.exec('DELETE FROM accounts WHERE id = 7');
    await db.sql.exec(
      `INSERT INTO accounts VALUES (41, 'new 41', 'free', 1, NULL), (42, 'new 42', 'team', 2, 'x')`,
    );
    now = await dump(db, 'accounts');
  }, TIMEOUT);

  afterAll(async () => {
    await db?.close();
  });

  const base = () => ['accounts', '--from', 'binlog', '--to', db.url, '--state-dir', stateDir];

  test(
    'diff shows what would be set back and each conflict with its three values; nothing is written',
    async () => {
      const run = await rowback(['diff', ...base(), '--backout', gtid, '--json']);
      expect(run.code, described(run)).toBe(0);
      // 30 rows changed (10 were free already); 1, 3 and 7 are conflicts, 4 is set back already.
      expect(run.json?.['plan']).toMatchObject({ missing: 0, changed: 26, extra: 0 });
      const backout = run.json?.['backout'] as Record<string, unknown>;
      expect(backout['counts']).toEqual({
        keys: 30,
        setBack: 26,
        insertedAgain: 0,
        deleted: 0,
        cells: 26,
        untouched: 1,
        conflicts: 3,
      });
      expect(backout['conflicts']).toEqual([
        {
          kind: 'edited',
          key: { id: '1' },
          columns: [{ column: 'plan', before: 'team', accident: 'free', now: 'basic' }],
        },
        {
          kind: 'edited',
          key: { id: '3' },
          columns: [{ column: 'plan', before: 'enterprise', accident: 'free', now: 'basic' }],
        },
        {
          kind: 'deleted',
          key: { id: '7' },
          columns: [{ column: 'plan', before: 'enterprise', accident: 'free', now: null }],
        },
      ]);
      expect(run.json?.['restrictedTo']).toEqual(['plan']);
      expect(run.stderr).toMatch(/plan: before "team" · accident "free" · now "basic"/);
      expect(await dump(db, 'accounts')).toEqual(now);
    },
    TIMEOUT,
  );

  test(
    'restore sets back only the plans still as the accident left them, keeps every later edit, and undoes',
    async () => {
      const run = await rowback(['restore', ...base(), '--backout', gtid, '--yes', '--json']);
      expect(run.code, described(run)).toBe(0);
      expect(run.json?.['applied']).toEqual({ inserted: 0, updated: 26, deleted: 0 });
      expect(run.json?.['verification']).toMatchObject({ mismatched: 0 });
      expect(await dump(db, 'accounts')).toEqual(expectedAfterUpdate(before, now, false));

      await undoRun(db, run, stateDir);
      expect(await dump(db, 'accounts')).toEqual(now);
    },
    TIMEOUT,
  );

  test(
    '--conflicts take-source sets back the conflicts too and inserts the deleted row again; undo',
    async () => {
      const run = await rowback([
        'restore',
        ...base(),
        '--backout',
        gtid,
        '--conflicts',
        'take-source',
        '--yes',
        '--json',
      ]);
      expect(run.code, described(run)).toBe(0);
      expect(run.json?.['applied']).toEqual({ inserted: 1, updated: 28, deleted: 0 });
      expect(await dump(db, 'accounts')).toEqual(expectedAfterUpdate(before, now, true));

      await undoRun(db, run, stateDir);
      expect(await dump(db, 'accounts')).toEqual(now);
    },
    TIMEOUT,
  );
});

describe('rowback restore --backout: rows edited between the preview and the apply', () => {
  let db: BinlogDb;
  let stateDir: string;
  let before: string[];
  let gtid: string;

  beforeAll(async () => {
    ({ db, stateDir } = await accountsDb(12));
    before = await dump(db, 'accounts');
    await db.sql.exec("UPDATE accounts SET plan = 'free'");
    [[gtid]] = (await db.sql.query('SELECT @@last_gtid')) as [[string]];
  }, TIMEOUT);

  afterAll(async () => {
    await db?.close();
  });

  test(
    'are left as edited: the rows a backout decided from are checked again under the lock',
    async () => {
      const now = await dump(db, 'accounts');
      let edited: string[] = [];
      let shown = 0;
      const report = await restore({
        table: 'accounts',
        from: 'binlog',
        to: db.url,
        backout: gtid,
        stateDir,
        onPreview: (preview) => {
          shown = preview.plan.changed;
        },
        confirm: async () => {
          // After the preview: the same column of one row, another column of another.
          await db.sql.exec("UPDATE accounts SET plan = 'gold' WHERE id = 5");
          await db.sql.exec('UPDATE accounts SET seats = 7 WHERE id = 9');
          edited = await dump(db, 'accounts');
          return true;
        },
      });
      // 9 rows changed by the accident (3 were free already); 5 and 9 are kept.
      expect(shown).toBe(9);
      expect(report.plan).toMatchObject({ changed: 7, excluded: { changed: 2 } });
      expect(report.applied).toEqual({ inserted: 0, updated: 7, deleted: 0 });
      const expected = byId(expectedAfterUpdate(before, edited, false));
      expected.set('9', byId(edited).get('9')!);
      expect(await dump(db, 'accounts')).toEqual([...expected.values()]);

      await undo({ id: report.id, to: db.url, stateDir });
      expect(await dump(db, 'accounts')).toEqual(edited);
      expect(edited).not.toEqual(now);
    },
    TIMEOUT,
  );
});

describe('rowback restore --backout: a DELETE backed out by binlog positions, later writes kept', () => {
  let db: BinlogDb;
  let stateDir: string;
  let before: string[];
  let now: string[];
  let range: string;

  beforeAll(async () => {
    ({ db, stateDir } = await accountsDb(20));
    before = await dump(db, 'accounts');
    const [[file, from]] = (await db.sql.query('SHOW MASTER STATUS')) as [[string, string]];
    await db.sql.exec('DELETE FROM accounts WHERE id > 5');
    const [[, to]] = (await db.sql.query('SHOW MASTER STATUS')) as [[string, string]];
    range = `${file}:${from}..${file}:${to}`;
    // Since: new rows, a deleted key written again, a surviving row edited.
    await db.sql.exec(
      `INSERT INTO accounts VALUES (21, 'new', 'team', 1, NULL), (8, 'again', 'pro', 9, 'back')`,
    );
    await db.sql.exec('UPDATE accounts SET seats = 0 WHERE id = 2');
    now = await dump(db, 'accounts');
  }, TIMEOUT);

  afterAll(async () => {
    await db?.close();
  });

  test(
    'the deleted rows come back where their key is free; the key written again is a conflict; undo',
    async () => {
      const args = ['restore', 'accounts', '--from', 'binlog', '--to', db.url, '--state-dir', stateDir];
      const run = await rowback([...args, '--backout', range, '--yes', '--json']);
      expect(run.code, described(run)).toBe(0);
      expect(run.json?.['applied']).toEqual({ inserted: 14, updated: 0, deleted: 0 });
      const backout = run.json?.['backout'] as { conflicts: { kind: string; key: unknown }[] };
      expect(backout.conflicts.map((c) => [c.kind, c.key])).toEqual([['written-again', { id: '8' }]]);
      expect(await dump(db, 'accounts')).toEqual(merged(before, now));

      await undoRun(db, run, stateDir);
      expect(await dump(db, 'accounts')).toEqual(now);
    },
    TIMEOUT,
  );

  test(
    'bad input: exit 2 with what to write, or where backing out is possible',
    async () => {
      const dumpFile = joinPath(stateDir, 'accounts.sql');
      await writeFile(dumpFile, 'CREATE TABLE accounts (id int PRIMARY KEY);\n');
      const args = ['diff', 'accounts', '--to', db.url, '--state-dir', stateDir];
      const cases: [string[], RegExp][] = [
        [['--from', 'binlog', '--backout', 'yesterday'], /not a time, a binlog position/],
        [['--from', 'binlog', '--backout', '2026-11-24 10:00:00Z'], /give the range it happened in/],
        [
          ['--from', 'binlog', '--backout', range, '--as-of', '2026-11-24 10:00:00Z'],
          /cannot be given with it/,
        ],
        [['--from', db.url, '--backout', range], /needs a source with history[\s\S]*--from binlog/],
        [['--from', dumpFile, '--backout', range], /read as dump[\s\S]*--from binlog/],
      ];
      for (const [flags, message] of cases) {
        const run = await rowback([...args, ...flags]);
        expect(run.code, described(run)).toBe(2);
        expect(run.stderr).toMatch(message);
      }
      const restoreArgs = ['restore', 'accounts', '--to', db.url, '--state-dir', stateDir, '--yes'];
      for (const policy of [
        ['--extra', 'delete'],
        ['--changed', 'take-source'],
        ['--extra', 'keep'],
      ]) {
        const run = await rowback([...restoreArgs, '--from', 'binlog', '--backout', range, ...policy]);
        expect(run.code, described(run)).toBe(2);
        expect(run.stderr).toContain(`${policy[0]} cannot be used with --backout`);
      }
      const unknown = await rowback([...args, '--from', 'binlog', '--backout', '0-1-999999']);
      expect(unknown.code, described(unknown)).toBe(3);
      expect(await dump(db, 'accounts')).toEqual(now);
    },
    TIMEOUT,
  );
});

describe('rowback restore --backout: a transaction that inserted rows and zeroed a column, named by its times', () => {
  let db: BinlogDb;
  let stateDir: string;
  let now: string[];
  let range: string;

  beforeAll(async () => {
    ({ db, stateDir } = await accountsDb(10));
    const from = await nextSecond(db.sql);
    await db.sql.exec('BEGIN');
    await db.sql.exec(
      `INSERT INTO accounts VALUES ${Array.from({ length: 10 }, (_, i) => account(i + 11)).join(', ')}`,
    );
    await db.sql.exec('UPDATE accounts SET seats = 0 WHERE id <= 3');
    await db.sql.exec('COMMIT');
    range = `${from}..${await serverNow(db.sql)}`;
    await nextSecond(db.sql);
    // Since: an inserted row edited, a zeroed column edited again, a new row.
    await db.sql.exec("UPDATE accounts SET name = 'kept' WHERE id = 12");
    await db.sql.exec('UPDATE accounts SET seats = 5 WHERE id = 2');
    await db.sql.exec("INSERT INTO accounts VALUES (21, 'new', 'team', 1, NULL)");
    now = await dump(db, 'accounts');
  }, TIMEOUT);

  afterAll(async () => {
    await db?.close();
  });

  test(
    'deletes the inserted rows still as inserted, sets the column back where untouched since; undo',
    async () => {
      const args = ['restore', 'accounts', '--from', 'binlog', '--to', db.url, '--state-dir', stateDir];
      const run = await rowback([...args, '--backout', range, '--yes', '--json']);
      expect(run.code, described(run)).toBe(0);
      expect(run.json?.['applied']).toEqual({ inserted: 0, updated: 2, deleted: 9 });
      const backout = run.json?.['backout'] as { conflicts: unknown[] };
      // In the order the accident first touched the keys: its inserts came first.
      expect(backout.conflicts).toEqual([
        {
          kind: 'edited-insert',
          key: { id: '12' },
          columns: [{ column: 'name', before: null, accident: 'acct 12', now: 'kept' }],
        },
        {
          kind: 'edited',
          key: { id: '2' },
          columns: [{ column: 'seats', before: '6', accident: '0', now: '5' }],
        },
      ]);
      const expected = byId(now);
      for (let id = 11; id <= 20; id++) if (id !== 12) expected.delete(String(id));
      for (const id of ['1', '3']) {
        const f = fields(expected.get(id)!);
        f[3] = String(Number(id) * 3);
        expected.set(id, join(f));
      }
      expect(await dump(db, 'accounts')).toEqual([...expected.values()]);

      await undoRun(db, run, stateDir);
      expect(await dump(db, 'accounts')).toEqual(now);
    },
    TIMEOUT,
  );
});
