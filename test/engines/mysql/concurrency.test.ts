import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RowbackError } from '../../../src/core/errors.js';
import type { PostImage } from '../../../src/core/images.js';
import { writableColumns } from '../../../src/core/table.js';
import { connectClient } from '../../harness/clients.js';
import { applyOf, directOf, planOf, scriptOf } from '../flow.js';
import { collect, memoryUndo, openSides, type Sides, streamOf } from './support.js';

describe('MySQL apply under concurrent writers', () => {
  let sides: Sides;
  beforeEach(async () => {
    sides = await openSides();
    for (const side of [sides.db.source, sides.db.target]) {
      await side.exec('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20) CHARACTER SET utf8mb4)');
    }
    await sides.db.source.exec("INSERT INTO t VALUES (1, 'one'), (2, 'two')");
  });
  afterEach(() => sides.close());

  async function stageSource() {
    const target = await sides.target.describe({ name: 't' });
    const source = await sides.source.describe({ name: 't' });
    const columns = writableColumns(target).map((c) => c.name);
    const staged = await sides.target.stage(target, sides.source.read(source, { columns }), { columns });
    return { staged, expected: await planOf(sides.target, staged) };
  }

  it('waits for a concurrent insert and keeps it: the re-plan under the lock sees the committed row', async () => {
    const { staged, expected } = await stageSource();
    expect(expected).toEqual({ missing: 2, changed: 0, extra: 0, same: 0 });
    const writer = await connectClient('mysql', sides.db.targetUrl);
    try {
      await writer.exec('START TRANSACTION');
      await writer.exec("INSERT INTO t VALUES (2, 'concurrent')");
      const applying = applyOf(sides.target, staged, {
        policy: { changed: 'keep-current', extra: 'keep' },
        expected,
        undo: memoryUndo(),
      });
      await new Promise((r) => setTimeout(r, 300));
      await writer.exec('COMMIT');
      const result = await applying;
      expect(result.plan).toEqual({ missing: 1, changed: 1, extra: 0, same: 0 });
      expect(result.warnings.join(' ')).toContain('changed since the preview');
      expect(await sides.db.dump('target', 't', ['id'])).toEqual(['1\tone', '2\tconcurrent']);
    } finally {
      await writer.close();
    }
  });

  it('cancels an apply waiting for a lock and rolls it back', async () => {
    await sides.db.target.exec("INSERT INTO t VALUES (5, 'five')");
    const { staged } = await stageSource();
    const writer = await connectClient('mysql', sides.db.targetUrl);
    try {
      await writer.exec('START TRANSACTION');
      await writer.exec("UPDATE t SET v = 'locked' WHERE id = 5");
      const applying = applyOf(sides.target, staged, {
        policy: { changed: 'keep-current', extra: 'delete' },
        undo: memoryUndo(),
      }).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 300));
      await sides.target.cancel();
      const error = await applying;
      expect(error).toBeInstanceOf(RowbackError);
      expect((error as RowbackError).code).toBe('interrupted');
      await writer.exec('ROLLBACK');
      expect(await sides.db.dump('target', 't', ['id'])).toEqual(['5\tfive']);
    } finally {
      await writer.close();
    }
  });

  it('cancels a load fed by an endless stream, and the stream stops being read', async () => {
    const target = await sides.target.describe({ name: 't' });
    let pulled = 0;
    async function* endless() {
      for (let i = 1; ; i += 1000) {
        pulled = i;
        const rows: string[] = [];
        for (let j = i; j < i + 1000; j++) rows.push(`${j}\tvalue ${j}\n`);
        yield Buffer.from(rows.join(''));
      }
    }
    const staging = sides.target.stage(target, endless(), { columns: ['id', 'v'] }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    await sides.target.cancel();
    const error = await staging;
    expect((error as RowbackError).code).toBe('interrupted');
    const after = pulled;
    await new Promise((r) => setTimeout(r, 200));
    expect(pulled).toBe(after);
  });

  it('loads straight into an empty target and tees the same bytes into the undo post-image', async () => {
    const target = await sides.target.describe({ name: 't' });
    const columns = writableColumns(target).map((c) => c.name);
    const rows = '1\ttab\\there\n2\t\\N\n3\tback\\\\slash\n';
    const undo = memoryUndo();
    const result = await directOf(sides.target, target, streamOf(rows.slice(0, 7), rows.slice(7)), {
      columns,
      undo,
    });
    expect(result?.applied).toEqual({ inserted: 3, updated: 0, deleted: 0 });
    expect(undo.after.toString()).toBe(rows);
    expect((await collect(sides.target.read(target, { columns, orderByKey: true }))).toString()).toBe(rows);
    const again = await directOf(sides.target, target, streamOf('9\tnine\n'), {
      columns,
      undo: memoryUndo(),
    });
    expect(again).toBeUndefined();
    expect(await sides.db.dump('target', 't', ['id'])).toEqual([
      '1\ttab\\there',
      '2\t\\N',
      '3\tback\\\\slash',
    ]);
  });

  it('keeps both readers of the direct path moving when the undo sink is slower than the load', async () => {
    const target = await sides.target.describe({ name: 't' });
    async function* many() {
      for (let i = 1; i <= 300_000; i += 1000) {
        const rows: string[] = [];
        for (let j = i; j < i + 1000; j++) rows.push(`${j}\t${'x'.repeat(19)}\n`);
        yield Buffer.from(rows.join(''));
      }
    }
    let undoBytes = 0;
    const undo = {
      writeBefore: async () => 0,
      async writeAfter(_form: PostImage, rows: AsyncIterable<Buffer>) {
        for await (const chunk of rows) {
          undoBytes += chunk.length;
          await new Promise((r) => setImmediate(r));
        }
        return 0;
      },
    };
    const result = await directOf(sides.target, target, many(), { columns: ['id', 'v'], undo });
    expect(result?.applied.inserted).toBe(300_000);
    expect(result?.verification).toEqual({ checked: 300_000, mismatched: 0 });
    expect(undoBytes).toBe(300_000 * 20 + sumDigits(300_000));
  });

  it('writes a script that the server runs to the same table as apply', async () => {
    await sides.db.source.exec("INSERT INTO t VALUES (3, 'it''s \\\\ \\n 😀')");
    await sides.db.target.exec("INSERT INTO t VALUES (2, 'TWO'), (4, 'extra')");
    const { staged } = await stageSource();
    let script = '';
    await scriptOf(sides.target, staged, {
      policy: { changed: 'take-source', extra: 'delete' },
      write: async (text: string) => {
        script += text;
      },
    });
    expect(script).toMatch(/^-- rowback/);
    expect(script).toContain('START TRANSACTION;');
    await sides.db.target.exec(script);
    expect(await sides.db.dump('target', 't', ['id'])).toEqual(await sides.db.dump('source', 't', ['id']));
  });
});

/** Bytes of the decimal numbers 1..n, plus one tab each. */
function sumDigits(n: number): number {
  let total = 0;
  for (let i = 1; i <= n; i++) total += String(i).length + 1;
  return total;
}
