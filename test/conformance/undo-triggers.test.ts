import { describe, expect, test } from 'vitest';
import { type Scratch, tempDir } from '../harness/index.js';
import type { Scenario } from './scenarios.js';
import {
  cli,
  describeRun,
  dumpTable,
  execAll,
  prepareScenario,
  restoreArgs,
  SCENARIO_ENGINES,
  TIMEOUT,
  withScratch,
} from './support.js';
import { MYSQL_TABLE } from './text.js';

/*
 * Undo puts back the pre-image; a BEFORE UPDATE trigger stamping `updated_at` makes the rows it puts back
 * differ from it: the verification fails (exit 9, rolled back) unless --allow-trigger-changes keeps the
 * stamps, said in the text and the JSON alike; --disable-triggers (PostgreSQL) makes the undo exact.
 */

const ACCOUNTS: Scenario = {
  name: 'accounts stamped by a BEFORE UPDATE trigger',
  table: 'accounts',
  orderBy: ['id'],
  ddl: {
    postgres: [
      `CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, balance numeric(12,2),
         updated_at timestamptz NOT NULL DEFAULT '2026-01-01 00:00:00+00')`,
      `CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN NEW.updated_at := now(); RETURN NEW; END $$`,
      'CREATE TRIGGER touch BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch()',
    ],
    mysql: [
      `CREATE TABLE accounts (id int PRIMARY KEY, owner varchar(20) NOT NULL, balance DECIMAL(12,2),
         updated_at DATETIME(6) NOT NULL DEFAULT '2026-01-01 00:00:00') ${MYSQL_TABLE}`,
      'CREATE TRIGGER touch BEFORE UPDATE ON accounts FOR EACH ROW SET NEW.updated_at = NOW(6)',
    ],
    // A SQLite trigger cannot change NEW: the stamp is an AFTER UPDATE trigger updating the row it fired for
    sqlite: [
      `CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, balance numeric(12,2),
         updated_at text NOT NULL DEFAULT '2026-01-01 00:00:00.000')`,
      `CREATE TRIGGER touch AFTER UPDATE ON accounts FOR EACH ROW
         BEGIN UPDATE accounts SET updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = NEW.id; END`,
    ],
  },
  seed: [
    `INSERT INTO accounts (id, owner, balance) VALUES (1, 'ann', 10.00), (2, 'bob', 20.00), (3, 'cy', 30.00),
       (4, 'di', 40.00), (5, 'ed', 50.00), (6, 'flo', 60.00)`,
  ],
  accident: [
    'DELETE FROM accounts WHERE id IN (1, 2)',
    'UPDATE accounts SET balance = balance + 1 WHERE id IN (3, 4)',
    `INSERT INTO accounts (id, owner, balance) VALUES (7, 'gus', 70.00), (8, 'hal', 80.00)`,
  ],
  options: { changed: 'take-source', extra: 'delete' },
  expect: {
    plan: { missing: 2, changed: 2, extra: 2, same: 2 },
    applied: { inserted: 2, updated: 2, deleted: 2 },
    final: [],
  },
};

/** The scenario restored through the CLI (2 inserted, 2 updated, 2 deleted); the table before it. */
async function restored(s: Scratch) {
  await prepareScenario(s, ACCOUNTS);
  const before = await dumpTable(s, ACCOUNTS);
  const stateDir = await tempDir();
  // the restore's own updates are stamped too: kept, as the restore is not what is tested here
  const restoreRun = [...restoreArgs(s, ACCOUNTS), '--allow-trigger-changes', '--yes', '--json'];
  const run = await cli([...restoreRun, '--state-dir', stateDir]);
  expect(run.code, describeRun(run)).toBe(0);
  expect(run.json?.['applied']).toEqual(ACCOUNTS.expect.applied);
  const after = await dumpTable(s, ACCOUNTS);
  const undo = (...extra: string[]) =>
    cli(['undo', String(run.json?.['id']), '--to', s.targetUrl, '--yes', '--state-dir', stateDir, ...extra]);
  return { before, after, undo };
}

/** Dump lines without `updated_at`, which the trigger stamps. */
const unstamped = (lines: string[]) => lines.map((line) => line.split('\t').slice(0, 3).join('\t'));

const table = (s: Scratch) =>
  s.engine === 'postgres'
    ? 'public.accounts'
    : s.engine === 'sqlite'
      ? 'main.accounts'
      : `${new URL(s.targetUrl).pathname.slice(1)}.accounts`;

/** SQLite: the trigger is an AFTER trigger writing the row again (a SQLite trigger cannot change NEW). */
const onSqlite = (engine: string, what: string) => (engine === 'sqlite' ? ` (SQLite: ${what})` : '');

describe.each(SCENARIO_ENGINES)('undo and triggers on %s', (engine) => {
  test(
    `a BEFORE UPDATE trigger stamping updated_at fails the verification (exit 9, rolled back, undo still available); --allow-trigger-changes keeps the stamps: exit 0, the rows named in the text and the JSON alike, every other value put back exactly${onSqlite(engine, 'an AFTER UPDATE trigger updating the row')}`,
    async () => {
      await withScratch(engine, async (s) => {
        const { before, after, undo } = await restored(s);
        const refused = await undo('--json');
        expect(refused.code, describeRun(refused)).toBe(9);
        const error = refused.json?.['error'] as { code: string; message: string; hint: string };
        expect(error.code).toBe('verify-failed');
        expect(error.message).toBe(
          `After writing, 2 of 6 row(s) of ${table(s)} do not match the pre-image (values differ in updated_at in 2 row(s)); the transaction was rolled back. Nothing was written.`,
        );
        expect(error.hint).toBe(
          `Triggers (touch) fired and may have changed the values written: ${engine === 'postgres' ? '--disable-triggers keeps them from firing; ' : ''}--allow-trigger-changes keeps what they wrote.`,
        );
        expect(await dumpTable(s, ACCOUNTS)).toEqual(after);

        const run = await undo('--json', '--allow-trigger-changes');
        expect(run.code, describeRun(run)).toBe(0);
        // rows 3 and 4 were put back by an UPDATE; 1, 2 deleted, 7, 8 inserted again
        expect(run.json?.['applied']).toEqual({ inserted: 2, updated: 2, deleted: 2 });
        expect(run.json?.['verification']).toEqual({ checked: 6, mismatched: 2 });
        const stamped = `2 of 6 written row(s) of ${table(s)} differ from the pre-image after writing: triggers (touch) changed updated_at in 2 row(s).${engine === 'postgres' ? ' Run with --disable-triggers to keep them from firing.' : ''}`;
        const warnings = run.json?.['warnings'] as string[];
        expect(warnings).toContain(stamped);
        // the text tells the same story and never says "Verified"
        expect(run.stderr).toContain(
          `Undid restore ${run.json?.['restoreId']} on ${table(s)}: 2 deleted, 2 put back, 2 re-inserted. 2 of 6 row(s) differ from the pre-image after writing (see warnings).`,
        );
        expect(run.stderr).toContain(`! ${stamped}`);
        expect(run.stderr).not.toMatch(/Verified/);

        const now = await dumpTable(s, ACCOUNTS);
        expect(unstamped(now)).toEqual(unstamped(before));
        now.forEach((line, i) => {
          const [id, , , stampedAt] = line.split('\t');
          const was = before[i]!.split('\t')[3]!;
          if (id === '3' || id === '4') expect(stampedAt! > was, `${line} vs ${before[i]}`).toBe(true);
          else expect(line).toBe(before[i]);
        });
      });
    },
    TIMEOUT,
  );

  test(
    `a verification triggers cannot explain (a row inserted again lands under another key) fails: exit 9, rolled back, the undo still available${onSqlite(engine, 'an AFTER INSERT trigger moving the row')}`,
    async () => {
      await withScratch(engine, async (s) => {
        const { before, after, undo } = await restored(s);
        const shift = {
          postgres: [
            `CREATE FUNCTION shift() RETURNS trigger LANGUAGE plpgsql AS $$
               BEGIN NEW.id := NEW.id + 100; RETURN NEW; END $$`,
            'CREATE TRIGGER shift BEFORE INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION shift()',
          ],
          mysql: ['CREATE TRIGGER shift BEFORE INSERT ON accounts FOR EACH ROW SET NEW.id = NEW.id + 100'],
          sqlite: [
            `CREATE TRIGGER shift AFTER INSERT ON accounts FOR EACH ROW
               BEGIN UPDATE accounts SET id = NEW.id + 100 WHERE id = NEW.id; END`,
          ],
        };
        await execAll(s.target, shift, engine);
        const run = await undo('--json');
        expect(run.code, describeRun(run)).toBe(9);
        const error = run.json?.['error'] as {
          code: string;
          message: string;
          details: Record<string, unknown>;
        };
        expect(error.code).toBe('verify-failed');
        expect(error.message).toMatch(
          new RegExp(
            `^After writing, \\d+ of 6 row\\(s\\) of ${table(s).replace('.', '\\.')} do not match the pre-image \\(2 written row\\(s\\) are not there.*\\); the transaction was rolled back\\. Nothing was written\\.$`,
          ),
        );
        expect(error.details).toMatchObject({ absent: 2, present: 0 });
        expect(run.stderr).toContain(`rowback: ${error.message}\n`);
        expect(await dumpTable(s, ACCOUNTS)).toEqual(after);

        await execAll(
          s.target,
          {
            postgres: ['DROP TRIGGER shift ON accounts'],
            mysql: ['DROP TRIGGER shift'],
            sqlite: ['DROP TRIGGER shift'],
          },
          engine,
        );
        const again = await undo('--json', '--allow-trigger-changes');
        expect(again.code, describeRun(again)).toBe(0);
        expect(unstamped(await dumpTable(s, ACCOUNTS))).toEqual(unstamped(before));
      });
    },
    TIMEOUT,
  );
});

describe('undo --disable-triggers on postgres', () => {
  test(
    'keeps the trigger from firing: Verified, and the table equals the one before the restore byte for byte',
    async () => {
      await withScratch('postgres', async (s) => {
        const { before, undo } = await restored(s);
        const run = await undo('--disable-triggers');
        expect(run.code, describeRun(run)).toBe(0);
        expect(run.stdout).toMatch(
          /^Undid restore r-\S+ on public\.accounts: 2 deleted, 2 put back, 2 re-inserted\. Verified 6 row\(s\)\.\n$/,
        );
        expect(await dumpTable(s, ACCOUNTS)).toEqual(before);
      });
    },
    TIMEOUT,
  );
});
