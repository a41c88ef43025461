import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RowbackError } from '../../../src/core/errors.js';
import { writableColumns } from '../../../src/core/table.js';
import { restore } from '../../../src/index.js';
import { tempDir } from '../../harness/index.js';
import { applyOf, parentsOf, samplesOf, undoOf } from '../flow.js';
import { memoryUndo, openSides, restoreTable, type Sides } from './support.js';

describe('MySQL apply', () => {
  let sides: Sides;
  beforeEach(async () => {
    sides = await openSides();
  });
  afterEach(() => sides.close());

  const both = (sql: string) => sides.both(sql);

  it("matches text keys with the key's collation: 'a' and 'A' are one row under _ci and two under _bin", async () => {
    await both(
      'CREATE TABLE ci (k VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci PRIMARY KEY, v INT)',
    );
    await both(
      'CREATE TABLE bin (k VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PRIMARY KEY, v INT)',
    );
    await sides.db.source.exec("INSERT INTO ci VALUES ('A', 1), ('b', 2)");
    await sides.db.target.exec("INSERT INTO ci VALUES ('a', 1), ('c', 3)");
    await sides.db.source.exec("INSERT INTO bin VALUES ('A', 1), ('b', 2)");
    await sides.db.target.exec("INSERT INTO bin VALUES ('a', 1), ('c', 3)");
    const ci = await restoreTable(sides, 'ci', { changed: 'take-source', extra: 'keep' });
    expect(ci.preview).toEqual({ missing: 1, changed: 1, extra: 1, same: 0 });
    expect(await sides.db.dump('target', 'ci', ['k'])).toEqual(['A\t1', 'b\t2', 'c\t3']);
    const bin = await restoreTable(sides, 'bin', { changed: 'take-source', extra: 'delete' });
    expect(bin.preview).toEqual({ missing: 2, changed: 0, extra: 2, same: 0 });
    expect(await sides.db.dump('target', 'bin', ['k'])).toEqual(['A\t1', 'b\t2']);
  });

  it('refuses, writing nothing, source keys that the target key collation calls equal', async () => {
    await sides.db.source.exec(
      'CREATE TABLE k (k VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PRIMARY KEY)',
    );
    await sides.db.target.exec(
      'CREATE TABLE k (k VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci PRIMARY KEY)',
    );
    await sides.db.source.exec("INSERT INTO k VALUES ('a'), ('A'), ('b')");
    const error = await restoreTable(sides, 'k').catch((e: unknown) => e);
    expect((error as RowbackError).code).toBe('schema-mismatch');
    expect(await sides.db.dump('target', 'k', ['k'])).toEqual([]);
  });

  it('keeps current rows by default, takes the source when asked, and deletes extra rows only under the filter', async () => {
    await both('CREATE TABLE acct (id INT PRIMARY KEY, owner INT NOT NULL, note VARCHAR(20))');
    await sides.db.source.exec("INSERT INTO acct VALUES (1, 7, 'one'), (2, 7, 'two'), (3, 8, 'three')");
    await sides.db.target.exec("INSERT INTO acct VALUES (2, 7, 'TWO'), (4, 7, 'new'), (5, 8, 'other')");
    const kept = await restoreTable(sides, 'acct', undefined, 'owner = 7');
    expect(kept.preview).toEqual({ missing: 1, changed: 1, extra: 1, same: 0 });
    expect(kept.result.applied).toEqual({ inserted: 1, updated: 0, deleted: 0 });
    expect(await sides.db.dump('target', 'acct', ['id'])).toEqual([
      '1\t7\tone',
      '2\t7\tTWO',
      '4\t7\tnew',
      '5\t8\tother',
    ]);
    const taken = await restoreTable(sides, 'acct', { changed: 'take-source', extra: 'delete' }, 'owner = 7');
    expect(taken.result.applied).toEqual({ inserted: 0, updated: 1, deleted: 1 });
    expect(taken.undo.before.toString()).toBe('2\t7\tTWO\n4\t7\tnew\n');
    // The post-image: the key, and the MD5 of each value as its length, ':' and its bytes.
    const md5 = createHash('md5').update('1:21:73:two').digest('hex');
    expect(taken.undo.after.toString()).toBe(`2\t${md5}\n`);
    expect(await sides.db.dump('target', 'acct', ['id'])).toEqual(['1\t7\tone', '2\t7\ttwo', '5\t8\tother']);
  });

  it('undoes a restore exactly, and refuses when a restored row changed since', async () => {
    await both('CREATE TABLE u (id INT PRIMARY KEY, v VARBINARY(8))');
    await sides.db.source.exec('INSERT INTO u VALUES (1, 0x00), (2, 0x0A), (3, 0x5C)');
    await sides.db.target.exec('INSERT INTO u VALUES (2, 0xFF), (4, 0x09)');
    const before = await sides.db.dump('target', 'u', ['id']);
    const { undo, targetSchema } = await restoreTable(sides, 'u', {
      changed: 'take-source',
      extra: 'delete',
    });
    expect(await sides.db.dump('target', 'u', ['id'])).toEqual(await sides.db.dump('source', 'u', ['id']));
    const result = await undoOf(sides.target, targetSchema, undo.bundle());
    expect(result.applied).toEqual({ inserted: 1, updated: 1, deleted: 2 });
    expect(result.verification.mismatched).toBe(0);
    expect(await sides.db.dump('target', 'u', ['id'])).toEqual(before);

    const again = await restoreTable(sides, 'u', { changed: 'take-source', extra: 'delete' });
    await sides.db.target.exec('UPDATE u SET v = 0x01 WHERE id = 3');
    const error = await undoOf(sides.target, targetSchema, again.undo.bundle()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RowbackError);
    expect((error as RowbackError).code).toBe('conflict');
    expect((error as RowbackError).message).toContain('id=3');
  });

  it('quotes every identifier: odd table and column names restore like any other', async () => {
    await both(
      'CREATE TABLE `odd ``table``` (`we``ird key` INT PRIMARY KEY, `select` VARCHAR(5), `a.b` INT)',
    );
    await sides.db.source.exec("INSERT INTO `odd ``table``` VALUES (1, 'x', 1), (2, 'y', 2)");
    await sides.db.target.exec("INSERT INTO `odd ``table``` VALUES (2, 'Y', 2), (3, 'z', 3)");
    const { result } = await restoreTable(sides, 'odd `table`', { changed: 'take-source', extra: 'delete' });
    expect(result.applied).toEqual({ inserted: 1, updated: 1, deleted: 1 });
    expect(await sides.db.dump('target', 'odd `table`', ['we`ird key'])).toEqual(['1\tx\t1', '2\ty\t2']);
  });

  it('refuses a MyISAM table for apply but still plans it', async () => {
    await both('CREATE TABLE m (id INT PRIMARY KEY, v INT) ENGINE=MyISAM');
    await sides.db.source.exec('INSERT INTO m VALUES (1, 1)');
    const schema = await sides.target.describe({ name: 'm' });
    expect(schema.transactional).toBe(false);
    expect(schema.storage).toBe('MyISAM');
    const error = await restoreTable(sides, 'm').catch((e: unknown) => e);
    expect((error as RowbackError).code).toBe('not-transactional');
    expect((error as RowbackError).hint).toContain('--sql-out');
    expect(await sides.db.dump('target', 'm', ['id'])).toEqual([]);
  });

  it('moves AUTO_INCREMENT past the restored keys and reports it', async () => {
    await both('CREATE TABLE ai (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, v INT)');
    await sides.db.source.exec('INSERT INTO ai VALUES (1, 1), (9007199254740993, 2)');
    await sides.db.target.exec('INSERT INTO ai (v) VALUES (3)');
    const { result } = await restoreTable(sides, 'ai');
    expect(result.counters).toEqual([
      {
        name: `${(await sides.target.describe({ name: 'ai' })).ref.schema}.ai.id`,
        from: '2',
        value: '9007199254740994',
        moved: true,
      },
    ]);
    await sides.db.target.exec('INSERT INTO ai (v) VALUES (4)');
    expect(await sides.db.dump('target', 'ai', ['id'])).toEqual([
      '1\t3',
      '9007199254740993\t2',
      '9007199254740994\t4',
    ]);
  });

  it('rolls back a dry run and reports missing parents under the lock', async () => {
    await both('CREATE TABLE parent (id INT PRIMARY KEY)');
    await both('CREATE TABLE child (id INT PRIMARY KEY, p INT, FOREIGN KEY fk_p (p) REFERENCES parent (id))');
    await sides.db.target.exec('INSERT INTO parent VALUES (1)');
    await sides.db.source.exec('INSERT INTO parent VALUES (1), (2)');
    await sides.db.source.exec('INSERT INTO child VALUES (10, 1), (11, 2), (12, NULL)');
    const targetSchema = await sides.target.describe({ name: 'child' });
    const sourceSchema = await sides.source.describe({ name: 'child' });
    expect(targetSchema.foreignKeys).toEqual([
      {
        name: 'fk_p',
        columns: ['p'],
        table: { schema: targetSchema.ref.schema, name: 'parent' },
        referencedColumns: ['id'],
      },
    ]);
    const columns = writableColumns(targetSchema).map((c) => c.name);
    const staged = await sides.target.stage(targetSchema, sides.source.read(sourceSchema, { columns }), {
      columns,
    });
    const policy = { changed: 'keep-current', extra: 'keep' } as const;
    expect(await parentsOf(sides.target, staged, policy)).toEqual([
      {
        foreignKey: 'fk_p',
        columns: ['p'],
        parent: `${targetSchema.ref.schema}.parent`,
        rows: 1,
        sample: ['2'],
      },
    ]);
    const error = await applyOf(sides.target, staged, { policy, undo: memoryUndo() }).catch(
      (e: unknown) => e,
    );
    expect((error as RowbackError).code).toBe('missing-parent');
    const forced = await applyOf(sides.target, staged, {
      policy,
      undo: memoryUndo(),
      skipForeignKeyChecks: true,
      dryRun: true,
    });
    expect(forced.applied.inserted).toBe(3);
    expect(await sides.db.dump('target', 'child', ['id'])).toEqual([]);
    const samples = await samplesOf(sides.target, staged, 'missing', 5);
    expect(samples.map((r) => r.key['id']).sort()).toEqual(['10', '11', '12']);
    const disabled = await restore({
      table: 'child',
      from: sides.db.sourceUrl,
      to: sides.db.targetUrl,
      stateDir: await tempDir(),
      disableTriggers: true,
    }).catch((e: unknown) => e);
    expect((disabled as RowbackError).code).toBe('unsupported');
    expect((disabled as RowbackError).hint).toContain('--skip-foreign-key-checks');
  });
});
