import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type EngineName, runCli, tempDir } from '../harness/index.js';
import { shop, TABLE_BEFORE } from './support.js';

/** `rowback sql -c`, `-f` and stdin: the same guard, and nobody to ask, so no means no. */
describe.each(['postgres', 'mysql', 'sqlite'] as EngineName[])('rowback sql scripts on %s', (engine) => {
  const sql = async (url: string, args: string[], input?: string) => {
    const state = await tempDir();
    return runCli(['sql', url, '--state-dir', state, ...args], input === undefined ? {} : { input });
  };

  it('-c refuses a whole-table DELETE (exit 10) and leaves a write uncommitted without --yes (exit 10)', async () => {
    const { db, rows } = await shop(engine);
    const refused = await sql(db.targetUrl, ['-c', 'SELECT 1; delete from t -- where id = 1']);
    expect(refused.code).toBe(10);
    expect(refused.stderr).toContain(
      'Refused: DELETE without a WHERE would change every row of t; nothing was run.',
    );
    expect(refused.stdout).toBe(''); // the SELECT beside it did not run
    const unasked = await sql(db.targetUrl, ['-c', 'DELETE FROM t WHERE id = 1']);
    expect(unasked.code).toBe(10);
    expect(unasked.stdout).toBe('1 row changed\n');
    expect(unasked.stderr).toContain(
      'Not committed: there is no terminal to ask on; pass --yes to say yes in scripts.',
    );
    expect(await rows()).toEqual(TABLE_BEFORE);
  });

  it('-f runs a file statement by statement and commits with --yes (exit 0)', async () => {
    const { db, rows } = await shop(engine);
    const file = join(await tempDir(), 'fix.sql');
    await writeFile(
      file,
      "UPDATE t SET name = 'uno'\n  WHERE id = 1;\n-- and then\nDELETE FROM t WHERE id = 3;\n",
    );
    const run = await sql(db.targetUrl, ['-f', file, '--yes']);
    expect(run.stderr).toMatch(/Restore point m-\d{8}T\d{6}Z-[0-9a-f]{6} recorded/);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('1 row changed\n1 row changed\n');
    expect(await rows()).toEqual(['1 uno', '2 two']);
  });

  it('stops at a statement the grammar cannot read (exit 2) or the server rejects (exit 1)', async () => {
    const { db, rows } = await shop(engine);
    const unparseable = await sql(db.targetUrl, ['-c', 'DELETE FRM t WHERE id = 1']);
    expect(unparseable.code).toBe(2);
    expect(unparseable.stderr).toMatch(
      /^ERROR: .*\(line 1, column \d+\); nothing was run\.\nLINE 1: DELETE FRM t/,
    );
    const failing = await sql(db.targetUrl, ['-c', 'SELECT no_such_column FROM t; SELECT 1']);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toMatch(/^ERROR: .*no_such_column/m);
    expect(failing.stdout).toBe('');
    expect(await rows()).toEqual(TABLE_BEFORE);
  });

  it('runs a statement of unknown effect only with --yes, after a restore point', async () => {
    const { db } = await shop(engine);
    const alter = ['-c', 'ALTER TABLE t ADD COLUMN note varchar(10)'];
    const unasked = await sql(db.targetUrl, alter);
    expect(unasked.code).toBe(10);
    expect(unasked.stderr).toContain(
      'Not run: there is no terminal to ask on; pass --yes to say yes in scripts.',
    );
    expect(await db.target.query('SELECT * FROM t WHERE id = 1')).toEqual([['1', 'one']]);
    const said = await sql(db.targetUrl, [...alter, '--yes']);
    expect(said.code).toBe(0);
    expect(said.stderr).toMatch(/^Restore point m-\S+ recorded/m);
    expect(await db.target.query('SELECT * FROM t WHERE id = 1')).toEqual([['1', 'one', null]]);
  });

  it('lists tables with \\d, describes one with \\d name, stops at \\q, and names an unknown command', async () => {
    const { db } = await shop(engine);
    const tables = await sql(db.targetUrl, ['-c', '\\d']);
    expect(tables.code).toBe(0);
    expect(tables.stdout).toMatch(/^ (public +\| )?t +\| /m);
    const columns = await sql(db.targetUrl, [], '\\d t\n');
    expect(columns.code).toBe(0);
    expect(columns.stdout).toMatch(/^ id +\| int/im);
    expect(columns.stdout).toMatch(/^ name +\| varchar\(20\)|^ name +\| character varying\(20\)/im);
    const unknown = await sql(db.targetUrl, ['-c', '\\x']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command \\x: the console knows \\d, \\d name, \\q');
    const quit = await sql(db.targetUrl, [], 'SELECT 1 AS a;\n\\q\nDELETE FROM t WHERE id = 1;\n');
    expect(quit.code).toBe(0);
    expect(quit.stdout).toBe(' a\n---\n 1\n(1 row)\n');
  });

  it('reads statements from stdin and prints aligned tables', async () => {
    const { db } = await shop(engine);
    const run = await sql(db.targetUrl, [], 'SELECT id, name AS label\nFROM t ORDER BY id;\n');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(' id | label\n----+-------\n 1  | one\n 2  | two\n 3  | three\n(3 rows)\n');
  });
});

describe('rowback sql on MySQL/MariaDB, inside a transaction the person began', () => {
  it('asks commit? before a statement that would commit it silently, and runs neither on no', async () => {
    const { db, rows } = await shop('mysql');
    const state = await tempDir();
    const script = 'BEGIN; DELETE FROM t WHERE id = 1; CREATE TABLE u (id int); COMMIT';
    const run = await runCli(['sql', db.targetUrl, '--state-dir', state, '-c', script]);
    expect(run.code).toBe(10);
    expect(run.stderr).toContain('Not committed: there is no terminal to ask on');
    expect(run.stderr).toContain('Rolled back; nothing was changed. CREATE TABLE was not run.');
    expect(await rows()).toEqual(TABLE_BEFORE);
    expect(await db.target.query("SHOW TABLES LIKE 'u'")).toEqual([]);
    const said = await runCli(['sql', db.targetUrl, '--state-dir', state, '--yes', '-c', script]);
    expect(said.code).toBe(0);
    expect(await rows()).toEqual(['2 two', '3 three']);
    expect(await db.target.query("SHOW TABLES LIKE 'u'")).toEqual([['u']]);
  });
});
