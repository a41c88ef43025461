import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { imageColumns } from '../../src/core/table.js';
import type { Engine } from '../../src/engines/engine.js';
import { mysqlEngine } from '../../src/engines/mysql/index.js';
import { postgresEngine } from '../../src/engines/postgres/index.js';
import { sqliteEngine } from '../../src/engines/sqlite/index.js';
import { restore, undo } from '../../src/index.js';
import { collect } from '../engines/memory-undo.js';
import type { EngineName, Scratch } from '../harness/index.js';
import { tempDir } from '../harness/index.js';
import { TAKE_SOURCE_DELETE } from './scenarios-policies.js';
import {
  dumpTable,
  prepareScenario,
  restoreScenario,
  SCENARIO_ENGINES,
  TIMEOUT,
  withScratch,
} from './support.js';

/*
 * The undo file keeps each row a restore wrote as its key and a digest of the row. A write since the
 * restore that the column's own equality cannot see (a collation's 'a' = 'A', trailing spaces under PAD
 * SPACE, 1 = 1.0, 1.0 = 1.00, 0 = -0) still changes the row's bytes, and undo must refuse to overwrite it.
 */

const ENGINE: Record<EngineName, Engine> = {
  postgres: postgresEngine,
  mysql: mysqlEngine,
  sqlite: sqliteEngine,
};

interface Invisible {
  ddl: string;
  /** Writes since the restore that leave row 1 equal to what was restored under the column's `=`. */
  writes: [string, string][];
  /** Puts row 1 back byte for byte. */
  back: string;
}

const INVISIBLE: Record<EngineName, Invisible> = {
  postgres: {
    ddl: 'CREATE TABLE n (id int PRIMARY KEY, t text, x numeric, f float8)',
    writes: [
      ['a numeric with more zeros (1.0 = 1.00)', 'UPDATE n SET x = 1.00 WHERE id = 1'],
      ['a float zero with its sign flipped (0 = -0)', `UPDATE n SET f = '-0' WHERE id = 1`],
      ['an empty text made NULL', 'UPDATE n SET t = NULL WHERE id = 2'],
    ],
    back: `UPDATE n SET t = 'a', x = 1, f = 0 WHERE id = 1; UPDATE n SET t = '' WHERE id = 2`,
  },
  mysql: {
    ddl: 'CREATE TABLE n (id INT PRIMARY KEY, t VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci, x DECIMAL(6,2), f DOUBLE)',
    writes: [
      [`a case change under a case-insensitive collation ('a' = 'A')`, `UPDATE n SET t = 'A' WHERE id = 1`],
      [`a trailing space under a PAD SPACE collation ('a' = 'a ')`, `UPDATE n SET t = 'a ' WHERE id = 1`],
      ['an empty text made NULL', 'UPDATE n SET t = NULL WHERE id = 2'],
    ],
    back: `UPDATE n SET t = 'a', x = 1.0, f = 0 WHERE id = 1; UPDATE n SET t = '' WHERE id = 2`,
  },
  sqlite: {
    ddl: 'CREATE TABLE n (id INTEGER PRIMARY KEY, t TEXT COLLATE NOCASE, x, f REAL)',
    writes: [
      [`a case change under NOCASE ('a' = 'A')`, `UPDATE n SET t = 'A' WHERE id = 1`],
      ['an integer made the equal real (1 = 1.0)', 'UPDATE n SET x = 1.0 WHERE id = 1'],
      ['an empty text made NULL', 'UPDATE n SET t = NULL WHERE id = 2'],
    ],
    back: `UPDATE n SET t = 'a', x = 1, f = 0 WHERE id = 1; UPDATE n SET t = '' WHERE id = 2`,
  },
};

const SEED = `INSERT INTO n VALUES (1, 'a', 1, 0), (2, '', 2, 0.5), (3, 'c', 3, 1.5)`;

async function exec(s: Scratch, side: 'source' | 'target', sql: string): Promise<void> {
  for (const statement of sql.split('; ')) await s[side].exec(statement);
}

describe.each(SCENARIO_ENGINES)('undo against the digests of what a restore wrote, on %s', (engine) => {
  const { ddl, writes, back } = INVISIBLE[engine];

  test.each(['emptied (the direct path)', 'half lost (the staged path)'])(
    'into a table %s: refuses every write since that the column compares equal, undoes once the bytes are back',
    async (path) => {
      await withScratch(engine, async (s) => {
        for (const side of ['source', 'target'] as const) {
          await s[side].exec(ddl);
          await s[side].exec(SEED);
        }
        await s.target.exec(path.startsWith('emptied') ? 'DELETE FROM n' : 'DELETE FROM n WHERE id <> 3');
        const before = await s.dump('target', 'n', ['id']);
        const stateDir = await tempDir();
        const report = await restore({ table: 'n', from: s.sourceUrl, to: s.targetUrl, stateDir });
        expect(report.applied.inserted).toBe(path.startsWith('emptied') ? 3 : 2);
        const restored = await s.dump('target', 'n', ['id']);
        // The direct path keeps whole rows; its undo file is rewritten with digests, so both forms are held
        // to every write (the staged path digests where the engine does, see Capabilities.digestPostImage).
        if (path.startsWith('emptied')) await writeDigestPostImage(s, join(stateDir, 'undo', report.id));
        for (const [what, write] of writes) {
          await exec(s, 'target', write);
          const now = await s.dump('target', 'n', ['id']);
          expect(now, what).not.toEqual(restored);
          const error = await undo({ id: report.id, to: s.targetUrl, stateDir }).catch((e: unknown) => e);
          expect(error, what).toMatchObject({ code: 'conflict' });
          expect((error as Error).message, what).toContain('changed since the restore');
          expect(await s.dump('target', 'n', ['id']), what).toEqual(now);
          await exec(s, 'target', back);
          expect(await s.dump('target', 'n', ['id'])).toEqual(restored);
        }
        await undo({ id: report.id, to: s.targetUrl, stateDir });
        expect(await s.dump('target', 'n', ['id'])).toEqual(before);
      });
    },
    TIMEOUT,
  );

  test(
    'still undoes a restore whose undo file was written before digests (whole rows in the post-image)',
    async () => {
      await withScratch(engine, async (s) => {
        const scenario = TAKE_SOURCE_DELETE;
        await prepareScenario(s, scenario);
        const before = await dumpTable(s, scenario);
        const stateDir = await tempDir();
        const report = await restoreScenario(s, scenario, stateDir);
        expect(report.applied).toEqual({ inserted: 2, updated: 2, deleted: 2 });
        const dir = join(stateDir, 'undo', report.id);
        await writeOldPostImage(s, dir);
        expect((await stat(join(dir, 'after.rows'))).mode & 0o777).toBe(0o600);

        // A write since is still refused, through the old column-by-column comparison.
        await s.target.exec(`UPDATE accounts SET owner = 'zed' WHERE id = 1`);
        const changed = await dumpTable(s, scenario);
        await expect(undo({ id: report.id, to: s.targetUrl, stateDir })).rejects.toMatchObject({
          code: 'conflict',
        });
        expect(await dumpTable(s, scenario)).toEqual(changed);
        await s.target.exec(`UPDATE accounts SET owner = 'ann' WHERE id = 1`);

        const undone = await undo({ id: report.id, to: s.targetUrl, stateDir });
        expect(undone.applied).toEqual({ inserted: 2, updated: 2, deleted: 2 });
        expect(await dumpTable(s, scenario)).toEqual(before);
      });
    },
    TIMEOUT,
  );
});

/** Rewrites a direct path's undo file (whole rows: the table's every row) with the engine's digests. */
async function writeDigestPostImage(s: Scratch, dir: string): Promise<void> {
  const metaPath = join(dir, 'meta.json');
  const meta = JSON.parse(await readFile(metaPath, 'utf8')) as Record<string, unknown>;
  expect(meta['digest']).toBeUndefined();
  const target = await ENGINE[s.engine].connect(s.targetUrl);
  try {
    const schema = await target.describe({ name: 'n' });
    const lines = (await collect(target.digests(schema))).toString().split('\n').filter(Boolean);
    expect(lines.map((line) => line.split('\t')[0]).sort()).toEqual(['1', '2', '3']);
    await writeFile(join(dir, 'after.rows'), `${lines.join('\n')}\n`, { mode: 0o600 });
    const digested = { ...meta, afterColumns: ['id'], digest: target.engine.digest };
    await writeFile(metaPath, `${JSON.stringify(digested, null, 2)}\n`, { mode: 0o600 });
  } finally {
    await target.close();
  }
}

/**
 * Rewrites an undo file as rowback wrote it before digests: version 1, and the post-image the whole rows
 * the restore wrote (read from the target by the engine, as the old post-image was), in the same columns
 * as the pre-image.
 */
async function writeOldPostImage(s: Scratch, dir: string): Promise<void> {
  const metaPath = join(dir, 'meta.json');
  const meta = JSON.parse(await readFile(metaPath, 'utf8')) as Record<string, unknown>;
  expect(meta['version']).toBe(2);
  const keys = (await readFile(join(dir, 'after.rows'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\t')[0]);
  const target = await ENGINE[s.engine].connect(s.targetUrl);
  try {
    const schema = await target.describe({ name: 'accounts' });
    const columns = imageColumns(schema).map((c) => c.name);
    const rows = await collect(target.read(schema, { columns, where: `id IN (${keys.join(', ')})` }));
    await writeFile(join(dir, 'after.rows'), rows, { mode: 0o600 });
    const { digest: _digest, ...rest } = meta;
    const old = { ...rest, version: 1, afterColumns: columns, beforeColumns: columns, origin: false };
    await writeFile(metaPath, `${JSON.stringify(old, null, 2)}\n`, { mode: 0o600 });
  } finally {
    await target.close();
  }
}
