import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type EngineName, runCli, tempDir } from '../harness/index.js';
import { openConsole, shop, TABLE_BEFORE } from './support.js';

/** Before `commit?`, the console names the keys of the few rows a write changed (RETURNING, exact). */
describe.each(['postgres', 'mysql', 'sqlite'] as EngineName[])(
  'rowback sql on %s: changed keys',
  (engine) => {
    it('lists the keys of a DELETE before asking, and the table follows the answer', async () => {
      const { db, rows } = await shop(engine);
      const terminal = await openConsole(db.targetUrl);
      await terminal.waitFor('rowback=> ');
      await terminal.type('DELETE FROM t WHERE id >= 2 -- two and three\n;');
      let screen = await terminal.waitFor('2 rows changed in t. commit? [y/N] ');
      expect(screen).toContain('2 rows changed\nKey (id): 2, 3.\n');
      await terminal.type('n');
      await terminal.waitFor('Rolled back; nothing was changed.');
      expect(await rows()).toEqual(TABLE_BEFORE);
      await terminal.type('DELETE FROM t WHERE id = 3;');
      screen = await terminal.waitFor('1 row changed in t. commit? [y/N] ');
      expect(screen).toContain('1 row changed\nKey (id): 3.\n');
      await terminal.type('y');
      await terminal.waitFor('Committed.');
      expect(await rows()).toEqual(['1 one', '2 two']);
      await terminal.type('\\q');
      expect(await terminal.exitCode()).toBe(0);
    });

    it('lists the keys of an UPDATE where the engine returns them (not MariaDB), and counts past ten', async () => {
      const { db, rows } = await shop(engine);
      await db.target.exec(
        `INSERT INTO t VALUES ${Array.from({ length: 12 }, (_, i) => `(${i + 10}, 'n${i + 10}')`).join(', ')}`,
      );
      const terminal = await openConsole(db.targetUrl);
      await terminal.waitFor('rowback=> ');
      await terminal.type("UPDATE t SET name = 'TWO' WHERE id IN (2, 3) AND name <> 'three';");
      let screen = await terminal.waitFor('1 row changed in t. commit? [y/N] ');
      if (engine === 'mysql') expect(screen).not.toContain('Key (id)');
      else expect(screen).toContain('1 row changed\nKey (id): 2.\n');
      await terminal.type('y');
      await terminal.waitFor('Committed.');
      await terminal.type('DELETE FROM t WHERE id >= 10;');
      screen = await terminal.waitFor('12 rows changed in t. commit? [y/N] ');
      expect(screen).not.toContain('Key (id): 1');
      await terminal.type('y');
      await terminal.waitForNth('Committed.', 2);
      expect(await rows()).toEqual(['1 one', '2 TWO', '3 three']);
      await terminal.type('\\q');
      expect(await terminal.exitCode()).toBe(0);
    });
  },
);

describe('rowback sql on postgres: changed keys the role may not read', () => {
  it('runs the statement as typed and shows the count only', async () => {
    const { db, rows } = await shop('postgres');
    const role = `rb_nokey_${randomBytes(4).toString('hex')}`;
    await db.target.exec(`CREATE ROLE ${role} LOGIN`);
    await db.target.exec(`GRANT DELETE, SELECT (name) ON t TO ${role}`);
    const url = new URL(db.targetUrl);
    url.username = role;
    url.password = '';
    const run = await runCli([
      'sql',
      url.toString(),
      '--state-dir',
      await tempDir(),
      '--yes',
      '-c',
      "DELETE FROM t WHERE name = 'two'",
    ]);
    expect(run.stderr).not.toContain('Key');
    expect(run.stderr).toContain('Committed.');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('1 row changed\n');
    expect(await rows()).toEqual(['1 one', '3 three']);
  });
});
