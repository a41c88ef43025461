import { copyFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  type EngineName,
  extraDatabase,
  type Scratch,
  type ServerEngine,
  type SqlClient,
  tempDir,
} from '../harness/index.js';
import { connectSqlite } from '../harness/sqlite.js';
import { forEngine } from './scenarios.js';
import { TAKE_SOURCE_DELETE } from './scenarios-policies.js';
import {
  cli,
  describeRun,
  dumpTable,
  ENGINES,
  execAll,
  prepareScenario,
  queryLines,
  restoreArgs,
  TIMEOUT,
  withScratch,
} from './support.js';

/*
 * An undo aimed anywhere but the database and table its restore wrote to refuses (exit 12), changes
 * nothing there or on the real target, and stays available: the real undo afterwards succeeds.
 */

const SCENARIO = TAKE_SOURCE_DELETE;
/** The restored table: the source's rows, the same text on every engine (see TAKE_SOURCE_DELETE). */
const RESTORED = forEngine(SCENARIO.expect.final, 'postgres');

interface Restored {
  id: string;
  stateDir: string;
  /** The target table before the restore. */
  before: string[];
}

/** The scenario restored through the CLI (every class written), checked. */
async function restored(s: Scratch): Promise<Restored> {
  await prepareScenario(s, SCENARIO);
  const before = await dumpTable(s, SCENARIO);
  const stateDir = await tempDir();
  const run = await cli([...restoreArgs(s, SCENARIO), '--yes', '--json', '--state-dir', stateDir]);
  expect(run.code, describeRun(run)).toBe(0);
  expect(await dumpTable(s, SCENARIO)).toEqual(RESTORED);
  return { id: String(run.json?.['id']), stateDir, before };
}

function undoTo(r: Restored, url: string, ...extra: string[]) {
  return cli(['undo', r.id, '--to', url, '--yes', '--json', '--state-dir', r.stateDir, ...extra]);
}

/** The refusal as the CLI prints it: exit 12, one JSON error, the same message on stderr. */
function expectWrongTarget(run: Awaited<ReturnType<typeof cli>>, where: RegExp): string[] {
  expect(run.code, describeRun(run)).toBe(12);
  const error = run.json?.['error'] as { code: string; message: string; details?: { differences: string[] } };
  expect(error.code).toBe('wrong-target');
  expect(error.message).toMatch(
    /^Undo of restore r-\S+ cannot run on \S+: it is not the database and table the restore wrote to \(.+\)\. Nothing was changed, and the undo is still available\.$/,
  );
  expect(run.stderr).toContain(`rowback: ${error.message}\n`);
  const differences = error.details?.differences ?? [];
  expect(differences.join('\n')).toMatch(where);
  return differences;
}

/** The restored table's rows, copied into a database of their own (`SELECT *`, ordered by key). */
async function copyOfRestored(engine: EngineName, client: SqlClient): Promise<string[]> {
  await execAll(client, SCENARIO.ddl, engine);
  await execAll(client, SCENARIO.seed, engine);
  const rows = await queryLines(client, 'SELECT * FROM accounts ORDER BY id');
  expect(rows).toEqual(RESTORED);
  return rows;
}

/** A fresh database file of its own, in a directory of its own, as an extra database. */
async function fileBeside(
  name = 'other.db',
): Promise<{ url: string; client: SqlClient; close(): Promise<void> }> {
  const url = join(await tempDir(), name);
  const client = connectSqlite(url);
  return { url, client, close: () => client.close() };
}

describe.each(ENGINES)('undo refuses a target the restore did not write to on %s', (engine: ServerEngine) => {
  test(
    'a copy of the restored table in another database on the same server: exit 12, both unchanged, the real undo then succeeds',
    async () => {
      await withScratch(engine, async (s) => {
        const r = await restored(s);
        const copy = await extraDatabase(engine, 'target');
        try {
          const copied = await copyOfRestored(engine, copy.client);
          expectWrongTarget(await undoTo(r, copy.url), /^database: /m);
          expect(await queryLines(copy.client, 'SELECT * FROM accounts ORDER BY id')).toEqual(copied);
          expect(await dumpTable(s, SCENARIO)).toEqual(RESTORED);

          const real = await undoTo(r, s.targetUrl);
          expect(real.code, describeRun(real)).toBe(0);
          expect(real.json?.['applied']).toEqual({ inserted: 2, updated: 2, deleted: 2 });
          expect(await dumpTable(s, SCENARIO)).toEqual(r.before);
          expect(await queryLines(copy.client, 'SELECT * FROM accounts ORDER BY id')).toEqual(copied);
        } finally {
          await copy.close();
        }
      });
    },
    TIMEOUT,
  );

  test(
    'a copy of the restored database on another server, under the same name: exit 12, both unchanged, the real undo then succeeds',
    async () => {
      await withScratch(engine, async (s) => {
        const r = await restored(s);
        // What a copy of the restored instance would be: the same database name, on another server.
        const name = new URL(s.targetUrl).pathname.slice(1);
        const copy = await extraDatabase(engine, 'source', name);
        try {
          const copied = await copyOfRestored(engine, copy.client);
          expectWrongTarget(await undoTo(r, copy.url), /^server: /m);
          expect(await queryLines(copy.client, 'SELECT * FROM accounts ORDER BY id')).toEqual(copied);
          expect(await dumpTable(s, SCENARIO)).toEqual(RESTORED);

          const real = await undoTo(r, s.targetUrl);
          expect(real.code, describeRun(real)).toBe(0);
          expect(await dumpTable(s, SCENARIO)).toEqual(r.before);
          expect(await queryLines(copy.client, 'SELECT * FROM accounts ORDER BY id')).toEqual(copied);
        } finally {
          await copy.close();
        }
      });
    },
    TIMEOUT,
  );
});

/*
 * SQLite has no server holding several databases: a file is the whole instance, so another database file
 * (or a copy of the restored file, `cp app.db elsewhere/app.db`) is what another database or another server
 * is elsewhere, and the identity tells them apart by the file (its real path, device and inode).
 */
describe('undo refuses a target the restore did not write to on sqlite', () => {
  test(
    'a copy of the restored table in another database file (SQLite: no server with other databases): exit 12 naming the file, both unchanged, the real undo then succeeds',
    async () => {
      await withScratch('sqlite', async (s) => {
        const r = await restored(s);
        const copy = await fileBeside();
        try {
          const copied = await copyOfRestored('sqlite', copy.client);
          expectWrongTarget(await undoTo(r, copy.url), /^server: /m);
          expect(await queryLines(copy.client, 'SELECT * FROM accounts ORDER BY id')).toEqual(copied);
          expect(await dumpTable(s, SCENARIO)).toEqual(RESTORED);

          const real = await undoTo(r, s.targetUrl);
          expect(real.code, describeRun(real)).toBe(0);
          expect(real.json?.['applied']).toEqual({ inserted: 2, updated: 2, deleted: 2 });
          expect(await dumpTable(s, SCENARIO)).toEqual(r.before);
          expect(await queryLines(copy.client, 'SELECT * FROM accounts ORDER BY id')).toEqual(copied);
        } finally {
          await copy.close();
        }
      });
    },
    TIMEOUT,
  );

  test(
    'a copy of the restored database file under the same name in another directory (SQLite: the copied file is the other server): exit 12 naming the file, both unchanged, the real undo then succeeds',
    async () => {
      await withScratch('sqlite', async (s) => {
        const r = await restored(s);
        const url = join(await tempDir(), basename(s.targetUrl));
        await copyFile(s.targetUrl, url);
        const copy = connectSqlite(url);
        try {
          const copied = await queryLines(copy, 'SELECT * FROM accounts ORDER BY id');
          expect(copied).toEqual(RESTORED);
          expectWrongTarget(await undoTo(r, url), /^server: /m);
          expect(await queryLines(copy, 'SELECT * FROM accounts ORDER BY id')).toEqual(copied);
          expect(await dumpTable(s, SCENARIO)).toEqual(RESTORED);

          const real = await undoTo(r, s.targetUrl);
          expect(real.code, describeRun(real)).toBe(0);
          expect(await dumpTable(s, SCENARIO)).toEqual(r.before);
          expect(await queryLines(copy, 'SELECT * FROM accounts ORDER BY id')).toEqual(copied);
        } finally {
          await copy.close();
        }
      });
    },
    TIMEOUT,
  );
});

// Not on SQLite yet: a table dropped and created again there usually gets its old root page back, so its
// identity (name and root page) does not tell the two apart.
describe.each(ENGINES)('undo refuses a table created again under the same name on %s', (engine) => {
  test(
    'dropped and created again with the same rows: exit 12 naming the table, unchanged; --skip-identity-check then undoes',
    async () => {
      await withScratch(engine, async (s) => {
        const r = await restored(s);
        await s.target.exec('DROP TABLE accounts');
        await execAll(s.target, SCENARIO.ddl, engine);
        await execAll(s.target, SCENARIO.seed, engine);
        expect(await dumpTable(s, SCENARIO)).toEqual(RESTORED);

        const differences = expectWrongTarget(await undoTo(r, s.targetUrl), /^table: /m);
        expect(differences.map((d) => d.split(':')[0])).toEqual(['table']);
        expect(await dumpTable(s, SCENARIO)).toEqual(RESTORED);

        // The person who knows it is the same table says so; the undo is still there to run.
        const forced = await undoTo(r, s.targetUrl, '--skip-identity-check');
        expect(forced.code, describeRun(forced)).toBe(0);
        expect(await dumpTable(s, SCENARIO)).toEqual(r.before);
      });
    },
    TIMEOUT,
  );
});
