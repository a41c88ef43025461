import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diff, type RestoreOptions, restore, undo } from '../../src/index.js';
import { type Scratch, type ServerEngine, scratch, tempDir } from '../harness/index.js';
import { type Image, keysSource } from './keys-source.js';

/**
 * A source with coverage `keys` (what the binlog and journal sources are) restored end to end: it knows
 * the as-of image of the keys it saw change and the keys that did not exist then, nothing of the others.
 */
const DDL: Record<ServerEngine, string> = {
  postgres: 'CREATE TABLE accounts (id int PRIMARY KEY, name text, balance numeric(12,2), note text)',
  mysql:
    'CREATE TABLE accounts (id int PRIMARY KEY, name varchar(100), balance decimal(12,2), note text) CHARACTER SET utf8mb4',
};

type Row = [string, string, string, string | null];

/** The table now: untouched rows (1, 5, 9), rows changed since (2), deleted since (3), inserted since (7). */
const NOW: Row[] = [
  ['1', 'one', '10.00', 'untouched'],
  ['2', 'two, renamed since', '25.50', null],
  ['4', 'four', '40.00', 'tab\there'],
  ['5', 'five', '50.00', 'untouched'],
  ['7', 'seven, inserted since', '70.00', null],
  ['9', 'nine', '90.00', 'untouched, and the source never saw it'],
];

/** What the source knows: the as-of image of keys 2, 3 and 4, and that 7 and 8 did not exist then. */
const IMAGES: Row[] = [
  ['2', 'two', '20.00', 'before'],
  ['3', 'three', '30.00', 'deleted since'],
  ['4', 'four', '40.00', 'tab\there'],
];
const ABSENT = ['7', '8'];

function image([id, name, balance, note]: Row): Image {
  return { id, name, balance, note };
}

/** A row as the harness dumps it: the text row format, NULL as \N. */
function line(row: Row): string {
  return row.map((v) => (v === null ? '\\N' : v.replaceAll('\t', '\\t'))).join('\t');
}

function lines(rows: Row[]): string[] {
  return [...rows].sort((a, b) => Number(a[0]) - Number(b[0])).map(line);
}

/** The rows as VALUES tuples; a tab written as the escape both engines read (E'…' on PostgreSQL). */
function valuesOf(engine: ServerEngine, rows: Row[]): string {
  const prefix = engine === 'postgres' ? 'E' : '';
  const literal = (v: string | null) => (v === null ? 'NULL' : `${prefix}'${v.replaceAll('\t', '\\t')}'`);
  return rows.map((r) => `(${r.map(literal).join(', ')})`).join(', ');
}

for (const engine of ['postgres', 'mysql'] as const) {
  describe(`a source that knows only the keys it saw change, restored into ${engine}`, () => {
    let s: Scratch;
    let stateDir: string;

    beforeAll(async () => {
      s = await scratch(engine);
      stateDir = await tempDir();
      await s.target.exec(DDL[engine]);
    });

    afterAll(async () => {
      await s?.close();
    });

    async function reset(rows: Row[] = NOW): Promise<void> {
      await s.target.exec('DELETE FROM accounts');
      if (rows.length) await s.target.exec(`INSERT INTO accounts VALUES ${valuesOf(engine, rows)}`);
    }

    function options(extra: Partial<RestoreOptions> = {}): RestoreOptions {
      return {
        table: 'accounts',
        from: keysSource(
          engine,
          IMAGES.map(image),
          ABSENT.map((id) => ({ id })),
        ),
        to: s.targetUrl,
        stateDir,
        ...extra,
      };
    }

    const table = () => s.dump('target', 'accounts', ['id']);

    it('classes only its absent keys that exist now as extra, never the rows it did not see', async () => {
      await reset();
      const report = await diff(options());
      expect(report.plan).toEqual({ missing: 1, changed: 1, extra: 1, same: 1 });
      expect(report.samples.filter((r) => r.class === 'extra').map((r) => r.key['id'])).toEqual(['7']);
      expect(report.samples.filter((r) => r.class === 'missing').map((r) => r.key['id'])).toEqual(['3']);
    });

    it('puts back what was deleted since and keeps every other row as it is now', async () => {
      await reset();
      const report = await restore(options());
      expect(report.outcome).toBe('applied');
      expect(report.path).toBe('staged');
      expect(report.applied).toEqual({ inserted: 1, updated: 0, deleted: 0 });
      expect(await table()).toEqual(lines([...NOW, IMAGES[1]!]));
    });

    it('with --extra delete deletes only the absent keys that exist now, and takes the source images of changed keys', async () => {
      await reset();
      const report = await restore(options({ extra: 'delete', changed: 'take-source' }));
      expect(report.plan).toEqual({ missing: 1, changed: 1, extra: 1, same: 1 });
      expect(report.applied).toEqual({ inserted: 1, updated: 1, deleted: 1 });
      expect(report.verification?.mismatched).toBe(0);
      const untouched = NOW.filter((r) => ['1', '5', '9'].includes(r[0]));
      expect(await table()).toEqual(lines([...untouched, ...IMAGES]));
    });

    it('undoes such a restore back to the table as it was before it, byte for byte', async () => {
      await reset();
      const report = await restore(options({ extra: 'delete', changed: 'take-source' }));
      const undone = await undo({ id: report.id, to: s.targetUrl, stateDir });
      expect(undone.applied).toEqual({ inserted: 1, updated: 1, deleted: 1 });
      expect(await table()).toEqual(lines(NOW));
    });

    it('with --where, touches only the keys under it, on both sides', async () => {
      await reset();
      const report = await restore(options({ where: 'id >= 3', extra: 'delete', changed: 'take-source' }));
      expect(report.plan).toEqual({ missing: 1, changed: 0, extra: 1, same: 1 });
      const kept = NOW.filter((r) => r[0] !== '7');
      expect(await table()).toEqual(lines([...kept, IMAGES[1]!]));
    });

    it('into an emptied table streams in the images it has, and only those', async () => {
      await reset([]);
      const report = await restore(options({ extra: 'delete' }));
      expect(report.path).toBe('direct');
      expect(report.applied).toEqual({ inserted: 3, updated: 0, deleted: 0 });
      expect(await table()).toEqual(lines(IMAGES));
    });
  });
}
