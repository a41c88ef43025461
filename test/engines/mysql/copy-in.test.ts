import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RowbackError } from '../../../src/core/errors.js';
import { openSides, type Sides, streamOf } from './support.js';

/** copyIn into a table that holds rows, as the ordered merge uses it (Capabilities.orderedMerge). */
describe('MySQL copyIn into a table holding rows', () => {
  let sides: Sides;
  beforeEach(async () => {
    sides = await openSides();
    await sides.db.target.exec('CREATE TABLE t (id bigint PRIMARY KEY, v varchar(20) NULL)');
    await sides.db.target.exec("INSERT INTO t VALUES (2, 'kept'), (4, NULL)");
  });
  afterEach(() => sides.close());

  it('takes every row whose key is absent and returns how many', async () => {
    const schema = await sides.target.describe({ name: 't' });
    await sides.target.begin(schema, {});
    const rows = streamOf('1\tone\n3\t\\N\n', '5\tfive\n');
    expect(await sides.target.copyIn(schema, rows, { columns: ['id', 'v'] })).toBe(3);
    await sides.target.commit();
    expect(await sides.db.dump('target', 't', ['id'])).toEqual([
      '1\tone',
      '2\tkept',
      '3\t\\N',
      '4\t\\N',
      '5\tfive',
    ]);
  });

  it('fails on a row whose key the table holds instead of skipping it; after the rollback nothing is written', async () => {
    const schema = await sides.target.describe({ name: 't' });
    await sides.target.begin(schema, {});
    const rows = streamOf('1\tone\n2\tclash\n3\tthree\n');
    const error = await sides.target.copyIn(schema, rows, { columns: ['id', 'v'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RowbackError);
    expect((error as Error).message).toMatch(/Duplicate entry '2'/);
    await sides.target.rollback();
    expect(await sides.db.dump('target', 't', ['id'])).toEqual(['2\tkept', '4\t\\N']);
  });

  it('calls an integer key exact for the ordered merge, and a collated text key not', async () => {
    await sides.db.target.exec(
      'CREATE TABLE c (k varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci PRIMARY KEY)',
    );
    await sides.db.target.exec('CREATE TABLE u (a int unsigned, b bigint, PRIMARY KEY (a, b))');
    const exact = async (table: string) =>
      (await sides.target.mergeKey(await sides.target.describe({ name: table }))).exact;
    expect(await exact('t')).toBe(true);
    expect(await exact('u')).toBe(true);
    expect(await exact('c')).toBe(false);
  });

  it('stages rows inside the transaction without committing it: a rollback takes back what was copied before', async () => {
    const schema = await sides.target.describe({ name: 't' });
    await sides.target.begin(schema, {});
    expect(await sides.target.copyIn(schema, streamOf('1\tone\n'), { columns: ['id', 'v'] })).toBe(1);
    const staged = await sides.target.stage(schema, streamOf('2\tother\n'), { columns: ['id', 'v'] });
    expect(staged.rows).toBe(1);
    await sides.target.rollback();
    expect(await sides.db.dump('target', 't', ['id'])).toEqual(['2\tkept', '4\t\\N']);
  });
});
