import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EngineName } from '../harness/index.js';
import { openConsole, shop, TABLE_BEFORE } from './support.js';

/** `rowback sql` driven as a person would, in a real terminal, on each engine. */
describe.each(['postgres', 'mysql', 'sqlite'] as EngineName[])('rowback sql on %s', (engine) => {
  it('refuses whole-table statements, however they are dressed up, and runs nothing', async () => {
    const { db, rows } = await shop(engine);
    const terminal = await openConsole(db.targetUrl);
    await terminal.waitFor('rowback=> ');
    const tricks = [
      'DELETE FROM t;',
      'delete /* where id = 1 */ from t;',
      'DELETE FROM t -- WHERE id = 1',
      ';',
      "SELECT 'x;'; DELETE FROM t WHERE 1=1;",
      'UPDATE t SET name = NULL WHERE true;',
      'TRUNCATE TABLE t;',
      'DROP TABLE t;',
    ];
    let refusals = 0;
    for (const line of tricks) {
      await terminal.type(line);
      if (line.endsWith(';')) await terminal.waitForNth('Refused: ', ++refusals);
    }
    const screen = await terminal.waitForNth('Refused: ', refusals);
    expect(screen).toContain('Refused: DELETE without a WHERE would change every row of t; nothing was run.');
    expect(screen).toContain('Refused: DELETE whose WHERE is always true would change every row of t');
    expect(screen).toContain('Refused: TRUNCATE would change every row of t');
    expect(screen).toContain('Refused: DROP TABLE would change every row of t');
    expect(screen).toContain('\\i-mean-it DELETE FROM t;');
    expect(screen).toContain('Nothing of this input ran.');
    expect(screen).not.toContain('x\n(1 row)'); // the SELECT beside a refused DELETE did not run either
    expect(await rows()).toEqual(TABLE_BEFORE);
    await terminal.type('\\q');
    expect(await terminal.exitCode()).toBe(0);
    expect(await terminal.audit()).toEqual([]); // nothing ran, so no restore point either
  });

  it('runs a write with a WHERE in a transaction and commits only on y', async () => {
    const { db, rows } = await shop(engine);
    const terminal = await openConsole(db.targetUrl);
    await terminal.waitFor('rowback=> ');
    await terminal.type('DELETE FROM t WHERE id = 2;');
    await terminal.waitFor('1 row changed in t. commit? [y/N] ');
    await terminal.type('n');
    await terminal.waitFor('Rolled back; nothing was changed.');
    expect(await rows()).toEqual(TABLE_BEFORE);
    await terminal.type("UPDATE t\n SET name = 'TWO'\n WHERE id >= 2;");
    await terminal.waitFor('2 rows changed in t. commit? [y/N] ');
    await terminal.type('y');
    await terminal.waitFor('Committed.');
    expect(await rows()).toEqual(['1 one', '2 TWO', '3 TWO']);
    await terminal.type('INSERT INTO t VALUES (4, NULL);');
    await terminal.waitForNth('1 row changed in t. commit? [y/N] ', 2);
    await terminal.keys('C-c'); // no, as at any prompt
    await terminal.waitForNth('Rolled back; nothing was changed.', 2);
    expect(await rows()).toEqual(['1 one', '2 TWO', '3 TWO']);
    const marks = await terminal.audit();
    expect(marks.map((m) => [m.command, m.statement])).toEqual([
      ['mark', 'DELETE FROM t WHERE id = 2'],
      ['mark', "UPDATE t\n SET name = 'TWO'\n WHERE id >= 2"],
      ['mark', 'INSERT INTO t VALUES (4, NULL)'],
    ]);
    await terminal.keys('C-d');
    expect(await terminal.exitCode()).toBe(0);
  });

  it('asks at the COMMIT of a transaction the person began, and runs a refused statement typed on purpose', async () => {
    const { db, rows } = await shop(engine);
    const terminal = await openConsole(db.targetUrl);
    await terminal.waitFor('rowback=> ');
    await terminal.type('BEGIN;');
    await terminal.waitFor('rowback*=> ');
    await terminal.type('DELETE FROM t WHERE id = 1;');
    await terminal.waitFor('1 row changed');
    await terminal.type('COMMIT;');
    await terminal.waitFor('This transaction changed rows in t. commit? [y/N] ');
    await terminal.type('y');
    await terminal.waitFor(/\nrowback=> $/m);
    expect(await rows()).toEqual(['2 two', '3 three']);
    await terminal.type('\\i-mean-it DELETE FROM t;');
    await terminal.waitFor('2 rows changed in t. commit? [y/N] ');
    await terminal.type('y');
    await terminal.waitFor('Committed.');
    expect(await rows()).toEqual([]);
    await terminal.type('exit');
    expect(await terminal.exitCode()).toBe(0);
  });

  it('asks before a statement whose effect on rows it cannot tell, and runs it on y only', async () => {
    const { db } = await shop(engine);
    const terminal = await openConsole(db.targetUrl);
    await terminal.waitFor('rowback=> ');
    const question = 'The console cannot tell what ALTER TABLE does to rows. Run it? [y/N] ';
    await terminal.type('ALTER TABLE t ADD COLUMN note varchar(10);');
    await terminal.waitFor(question);
    await terminal.type('n');
    await terminal.waitFor('Not run.\nrowback=> ');
    expect(await db.target.query('SELECT * FROM t WHERE id = 1')).toEqual([['1', 'one']]);
    await terminal.type('ALTER TABLE t ADD COLUMN note varchar(10);');
    await terminal.waitForNth(question, 2);
    await terminal.type('y');
    await terminal.waitFor('ALTER\n');
    expect(await db.target.query('SELECT * FROM t WHERE id = 1')).toEqual([['1', 'one', null]]);
    expect((await terminal.audit()).map((m) => m.statement)).toEqual([
      'ALTER TABLE t ADD COLUMN note varchar(10)',
    ]);
    await terminal.type('\\q');
    expect(await terminal.exitCode()).toBe(0);
  });

  it('keeps history across sessions, private and without passwords', async () => {
    const { db } = await shop(engine);
    const first = await openConsole(db.targetUrl);
    await first.waitFor('rowback=> ');
    await first.type('SELECT name FROM t\n WHERE id = 3;');
    await first.waitFor('(1 row)');
    await first.type("SELECT 'password' AS secret;");
    await first.waitForNth('(1 row)', 2);
    await first.type('\\q');
    expect(await first.exitCode()).toBe(0);
    const second = await openConsole(db.targetUrl, { state: first.state });
    await second.waitFor('rowback=> ');
    await second.keys('Up');
    await second.waitFor('rowback=> SELECT name FROM t WHERE id = 3;');
    await second.keys('Enter');
    const screen = await second.waitFor('(1 row)');
    expect(screen).toMatch(/ name\s*\n-+\n three\n\(1 row\)/);
    const history = join(first.state, 'sql_history');
    // The statement recalled and run again is kept again; the one naming a password never.
    expect(await readFile(history, 'utf8')).toBe('SELECT name FROM t WHERE id = 3;\n'.repeat(2));
    expect((await stat(history)).mode & 0o777).toBe(0o600);
  });
});

describe.each([
  ['postgres', 'SELECT pg_sleep(30);'],
  ['mysql', 'SELECT SLEEP(30);'],
] as const)('rowback sql on %s', (engine, sleep) => {
  it('cancels a running statement with Ctrl-C and stays open', async () => {
    const { db } = await shop(engine);
    const terminal = await openConsole(db.targetUrl);
    await terminal.waitFor('rowback=> ');
    await terminal.type(sleep);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const started = Date.now();
    await terminal.keys('C-c');
    await terminal.waitFor('Cancelled.', 10_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    await terminal.type('SELECT 41 + 1 AS answer;');
    const screen = await terminal.waitFor('(1 row)');
    expect(screen).toMatch(/ answer\s*\n-+\n 42\n/);
    await terminal.type('\\q');
    expect(await terminal.exitCode()).toBe(0);
  });
});

describe('rowback sql on PostgreSQL', () => {
  it('reopens a lost connection on the next statement and says an open transaction was lost', async () => {
    const { db, rows } = await shop('postgres');
    const terminal = await openConsole(db.targetUrl);
    await terminal.waitFor('rowback=> ');
    await terminal.type('BEGIN;');
    await terminal.type("UPDATE t SET name = 'gone' WHERE id = 1;");
    await terminal.waitFor('1 row changed');
    await db.target.exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'rowback sql'",
    );
    await terminal.type('SELECT 1 AS one;');
    await terminal.waitFor('The open transaction was lost (rolled back).');
    await terminal.type('SELECT 2 AS two;');
    const screen = await terminal.waitFor(/ two\s*\n-+\n 2\n/);
    expect(screen).toMatch(/Reconnected to postgres:\/\/postgres@127\.0\.0\.1:\d+\//);
    expect(await rows()).toEqual(TABLE_BEFORE);
    await terminal.keys('C-d');
    expect(await terminal.exitCode()).toBe(0);
  });
});
