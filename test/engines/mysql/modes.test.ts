import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RowbackError } from '../../../src/core/errors.js';
import { writableColumns } from '../../../src/core/table.js';
import { openSession } from '../../../src/engines/mysql/connect.js';
import { mysqlEngine } from '../../../src/engines/mysql/index.js';
import { begin, rollback } from '../../../src/engines/mysql/lock.js';
import { columnTypes, insertRows } from '../../../src/engines/mysql/stage.js';
import { restore } from '../../../src/index.js';
import { connectClient } from '../../harness/clients.js';
import { tempDir } from '../../harness/index.js';
import { applyOf, directOf } from '../flow.js';
import { memoryUndo, openSides, type Sides, streamOf } from './support.js';

/** Servers configured against rowback: lax sql_mode, missing rights, held locks, non-transactional tables. */
describe('MySQL targets configured differently', () => {
  let sides: Sides;
  beforeEach(async () => {
    sides = await openSides();
  });
  afterEach(() => sides.close());

  function dbName(url: string): string {
    return decodeURIComponent(new URL(url).pathname.slice(1));
  }

  it('refuses values a lax sql_mode would truncate quietly, on the INSERT path too', async () => {
    await sides.db.target.exec(
      'CREATE TABLE small (id INT PRIMARY KEY, c VARCHAR(3) NOT NULL, n TINYINT NULL)',
    );
    const schema = await sides.target.describe({ name: 'small' });
    const columns = writableColumns(schema).map((c) => c.name);
    const { session } = await openSession(sides.db.targetUrl, { profile: { sql_mode: '' } });
    try {
      for (const row of ['1\tabcdef\t1\n', '2\tabc\t1000\n']) {
        const error = await insertRows(
          session,
          'small',
          columns,
          columnTypes(schema, columns),
          streamOf(row),
          'small',
        ).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RowbackError);
        expect((error as RowbackError).message).toMatch(/changed or dropped values: 1264|1265/);
        expect((error as RowbackError).code).toBe('schema-mismatch');
      }
    } finally {
      await session.close();
    }
  });

  it('fails the apply, writing nothing, when a lax sql_mode turns a NULL into a NOT NULL default', async () => {
    await sides.db.target.exec('CREATE TABLE small (id INT PRIMARY KEY, c VARCHAR(3) NOT NULL)');
    const target = await mysqlEngine.connect(sides.db.targetUrl, { profile: { sql_mode: '' } });
    try {
      const schema = await target.describe({ name: 'small' });
      for (const path of ['staged', 'direct'] as const) {
        const rows = streamOf('1\tabc\n2\t\\N\n');
        const error =
          path === 'direct'
            ? await directOf(target, schema, rows, { columns: ['id', 'c'], undo: memoryUndo() }).catch(
                (e: unknown) => e,
              )
            : await applyOf(target, await target.stage(schema, rows, { columns: ['id', 'c'] }), {
                policy: { changed: 'keep-current', extra: 'keep' },
                undo: memoryUndo(),
              }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RowbackError);
        expect(['schema-mismatch', 'verify-failed']).toContain((error as RowbackError).code);
        expect(await sides.db.dump('target', 'small', ['id'])).toEqual([]);
      }
    } finally {
      await target.close();
    }
  });

  it('says which right is missing when the user cannot create temporary tables', async () => {
    await sides.db.source.exec('CREATE TABLE t (id INT PRIMARY KEY)');
    await sides.db.source.exec('INSERT INTO t VALUES (1)');
    await sides.db.target.exec('CREATE TABLE t (id INT PRIMARY KEY)');
    await sides.db.target.exec('INSERT INTO t VALUES (2)');
    const user = `rb_${process.pid}_${Date.now() % 100000}`;
    const db = dbName(sides.db.targetUrl);
    await sides.db.target.exec(`CREATE USER '${user}'@'%' IDENTIFIED BY 'pw-${user}'`);
    try {
      await sides.db.target.exec(`GRANT SELECT, INSERT, UPDATE, DELETE ON \`${db}\`.* TO '${user}'@'%'`);
      const url = new URL(sides.db.targetUrl);
      url.username = user;
      url.password = `pw-${user}`;
      const error = await restore({
        table: 't',
        from: sides.db.sourceUrl,
        to: url.toString(),
        stateDir: await tempDir(),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RowbackError);
      expect((error as RowbackError).code).toBe('privilege');
      expect((error as RowbackError).message).toContain(user);
      expect((error as RowbackError).message).toContain('lacks the CREATE TEMPORARY TABLES privilege');
      expect((error as RowbackError).message).not.toContain(`pw-${user}`);
      expect((error as RowbackError).hint).toContain('CREATE TEMPORARY TABLES');
      expect(await sides.db.dump('target', 't', ['id'])).toEqual(['2']);
    } finally {
      await sides.db.target.exec(`DROP USER '${user}'@'%'`);
    }
  });

  it('fails as busy, naming the table it waited for, when a long transaction holds a row lock', async () => {
    await sides.db.target.exec('CREATE TABLE t (id INT PRIMARY KEY, v INT)');
    await sides.db.target.exec('INSERT INTO t VALUES (1, 1)');
    const target = await sides.target.describe({ name: 't' });
    const holder = await connectClient('mysql', sides.db.targetUrl);
    const { session } = await openSession(sides.db.targetUrl);
    try {
      await holder.exec('START TRANSACTION');
      await holder.exec('UPDATE t SET v = 2 WHERE id = 1');
      await session.exec('SET SESSION innodb_lock_wait_timeout = 1');
      const error = await begin(session, target, {}).catch((e: unknown) => e);
      await rollback(session);
      expect(error).toBeInstanceOf(RowbackError);
      expect((error as RowbackError).code).toBe('busy');
      expect((error as RowbackError).message).toMatch(
        /^Gave up waiting for a lock another session holds while locking [^ ]+\.t: Lock wait timeout exceeded/,
      );
      expect(session.heldLock).toBeUndefined();
    } finally {
      await holder.exec('ROLLBACK');
      await holder.close();
      await session.close();
    }
  });

  it('refuses to apply to a MyISAM table, but diffs it and writes its script', async () => {
    await sides.db.source.exec('CREATE TABLE m (id INT PRIMARY KEY, v VARCHAR(5)) ENGINE=InnoDB');
    await sides.db.target.exec('CREATE TABLE m (id INT PRIMARY KEY, v VARCHAR(5)) ENGINE=MyISAM');
    await sides.db.source.exec("INSERT INTO m VALUES (1, 'a'), (2, 'b')");
    await sides.db.target.exec("INSERT INTO m VALUES (2, 'B')");
    const options = { table: 'm', from: sides.db.sourceUrl, to: sides.db.targetUrl };
    const error = await restore({ ...options, stateDir: await tempDir() }).catch((e: unknown) => e);
    expect((error as RowbackError).code).toBe('not-transactional');
    const dir = await tempDir();
    const report = await restore({
      ...options,
      stateDir: dir,
      sqlOut: `${dir}/m.sql`,
      changed: 'take-source',
    });
    expect(report.outcome).toBe('script');
    expect(report.plan).toEqual({ missing: 1, changed: 1, extra: 0, same: 0 });
    const { readFile } = await import('node:fs/promises');
    await sides.db.target.exec(await readFile(`${dir}/m.sql`, 'utf8'));
    expect(await sides.db.dump('target', 'm', ['id'])).toEqual(['1\ta', '2\tb']);
  });

  it('waits for a table lock (LOCK TABLES) no longer than for a row lock, then fails as busy', async () => {
    await sides.db.target.exec('CREATE TABLE t (id INT PRIMARY KEY, v INT)');
    const { session } = await openSession(sides.db.targetUrl);
    const holder = await connectClient('mysql', sides.db.targetUrl);
    try {
      // both waits are rowback's 10 s (--lock-timeout), whatever the server's defaults (a day, 50 s)
      expect(
        await session.text('SELECT @@SESSION.lock_wait_timeout, @@SESSION.innodb_lock_wait_timeout'),
      ).toEqual([['10', '10']]);
      // and a NULL for a NOT NULL TIMESTAMP is refused, not turned into the current time
      expect(await session.scalar('SELECT @@SESSION.explicit_defaults_for_timestamp')).toBe('1');
      await session.exec('SET SESSION lock_wait_timeout = 1, SESSION innodb_lock_wait_timeout = 1');
      await holder.exec('LOCK TABLES t WRITE');
      const target = await sides.target.describe({ name: 't' });
      const error = await begin(session, target, {}).catch((e: unknown) => e);
      await rollback(session);
      expect((error as RowbackError).code).toBe('busy');
    } finally {
      await holder.exec('UNLOCK TABLES');
      await holder.close();
      await session.close();
    }
  });
});
