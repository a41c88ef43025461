import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RowbackError } from '../../../src/core/errors.js';
import { restore } from '../../../src/index.js';
import { tempDir } from '../../harness/index.js';
import { undoOf } from '../flow.js';
import { openSides, restoreTable, type Sides } from './support.js';

describe('MySQL --extra delete and the tables that reference the target', () => {
  let sides: Sides;
  beforeEach(async () => {
    sides = await openSides();
  });
  afterEach(() => sides.close());

  const both = (sql: string) => sides.both(sql);

  it.each([
    ['CASCADE', 'would be deleted with them'],
    ['SET NULL', 'set to NULL'],
    ['RESTRICT', 'would make the delete fail'],
  ])(
    'refuses up front, writing nothing, to delete extra parents still referenced ON DELETE %s',
    async (action, effect) => {
      await both('CREATE TABLE parent (id INT PRIMARY KEY, v VARCHAR(10))');
      await both(
        `CREATE TABLE child (id INT PRIMARY KEY, parent_id INT NULL, CONSTRAINT child_parent FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE ${action})`,
      );
      await sides.db.source.exec("INSERT INTO parent VALUES (1, 'one'), (2, 'two')");
      await sides.db.target.exec("INSERT INTO parent VALUES (1, 'one'), (3, 'new')");
      await sides.db.target.exec('INSERT INTO child VALUES (10, 1), (13, 3)');
      const error = await restoreTable(sides, 'parent', { changed: 'keep-current', extra: 'delete' }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RowbackError);
      expect((error as RowbackError).code).toBe('unsupported');
      expect((error as RowbackError).message).toContain(`referenced by 1 row(s) of `);
      expect((error as RowbackError).message).toContain(`.child (child_parent, ON DELETE ${action}), which`);
      expect((error as RowbackError).message).toContain(effect);
      expect(await sides.db.dump('target', 'parent', ['id'])).toEqual(['1\tone', '3\tnew']);
      expect(await sides.db.dump('target', 'child', ['id'])).toEqual(['10\t1', '13\t3']);

      const viaLibrary = await restore({
        table: 'parent',
        from: sides.db.sourceUrl,
        to: sides.db.targetUrl,
        extra: 'delete',
        stateDir: await tempDir(),
      }).catch((e: unknown) => e);
      expect((viaLibrary as RowbackError).code).toBe('unsupported');
      expect(await sides.db.dump('target', 'child', ['id'])).toEqual(['10\t1', '13\t3']);
    },
  );

  it('deletes extra rows whose only references come from other extra rows of the same table', async () => {
    await both(
      'CREATE TABLE node (id INT PRIMARY KEY, up INT NULL, CONSTRAINT node_up FOREIGN KEY (up) REFERENCES node (id))',
    );
    await sides.db.source.exec('INSERT INTO node VALUES (1, NULL), (2, 1)');
    await sides.db.target.exec('INSERT INTO node VALUES (1, NULL), (6, NULL), (5, 6), (4, 5)');
    const before = await sides.db.dump('target', 'node', ['id']);
    const done = await restoreTable(sides, 'node', { changed: 'keep-current', extra: 'delete' });
    expect(done.result.applied).toEqual({ inserted: 1, updated: 0, deleted: 3 });
    expect(await sides.db.dump('target', 'node', ['id'])).toEqual(['1\t\\N', '2\t1']);
    await undoOf(sides.target, done.targetSchema, done.undo.bundle());
    expect(await sides.db.dump('target', 'node', ['id'])).toEqual(before);
  });

  it('refuses to delete an extra row that a kept row of the same table references', async () => {
    await both(
      'CREATE TABLE node (id INT PRIMARY KEY, up INT NULL, CONSTRAINT node_up FOREIGN KEY (up) REFERENCES node (id))',
    );
    await sides.db.source.exec('INSERT INTO node VALUES (1, NULL), (2, NULL)');
    await sides.db.target.exec('INSERT INTO node VALUES (1, NULL), (5, NULL), (2, 5)');
    const error = await restoreTable(sides, 'node', { changed: 'keep-current', extra: 'delete' }).catch(
      (e: unknown) => e,
    );
    expect((error as RowbackError).code).toBe('unsupported');
    expect(await sides.db.dump('target', 'node', ['id'])).toEqual(['1\t\\N', '2\t5', '5\t\\N']);
  });

  it('inserts rows of a self-referencing table whose children come before their parents, straight in and staged', async () => {
    await both(
      'CREATE TABLE node (id INT PRIMARY KEY, up INT NULL, CONSTRAINT node_up FOREIGN KEY (up) REFERENCES node (id))',
    );
    await sides.db.source.exec('INSERT INTO node VALUES (3, NULL), (2, 3), (1, 2)');
    const expected = await sides.db.dump('source', 'node', ['id']);
    for (const setup of ['INSERT INTO node VALUES (3, NULL)', 'DELETE FROM node']) {
      await sides.db.target.exec(setup);
      const report = await restore({
        table: 'node',
        from: sides.db.sourceUrl,
        to: sides.db.targetUrl,
        stateDir: await tempDir(),
      });
      expect(report.applied.inserted).toBeGreaterThan(0);
      expect(await sides.db.dump('target', 'node', ['id'])).toEqual(expected);
      await sides.db.target.exec('DELETE FROM node WHERE id < 3');
    }
  });
});
