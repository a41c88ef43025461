import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RowbackError } from '../../../src/core/errors.js';
import { openSession } from '../../../src/engines/mysql/connect.js';
import { tableLockName, takeTableLock } from '../../../src/engines/mysql/lock.js';
import { restore, undo } from '../../../src/index.js';
import { connectClient } from '../../harness/clients.js';
import { tempDir } from '../../harness/index.js';
import { openSides, type Sides } from './support.js';

describe('MySQL restores that meet other writers of the same table', () => {
  let sides: Sides;
  beforeEach(async () => {
    sides = await openSides();
    for (const side of [sides.db.source, sides.db.target]) {
      await side.exec('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20) CHARACTER SET utf8mb4)');
    }
    const values = Array.from({ length: 200 }, (_, i) => `(${i + 1}, 'v${i + 1}')`).join(', ');
    await sides.db.source.exec(`INSERT INTO t VALUES ${values}`);
  });
  afterEach(() => sides.close());

  const options = () => ({ table: 't', from: sides.db.sourceUrl, to: sides.db.targetUrl });

  it('runs two restores of an empty table at once, five times in a row: one writes, the other finds nothing to do', async () => {
    const expected = await sides.db.dump('source', 't', ['id']);
    for (let round = 0; round < 5; round++) {
      await sides.db.target.exec('DELETE FROM t');
      const reports = await Promise.all([
        restore({ ...options(), stateDir: await tempDir() }),
        restore({ ...options(), stateDir: await tempDir() }),
      ]);
      expect(reports.map((r) => r.applied.inserted).sort((a, b) => a - b)).toEqual([0, 200]);
      expect(await sides.db.dump('target', 't', ['id'])).toEqual(expected);
    }
  });

  it('runs two restores of a half-emptied table at once, five times in a row, writing each missing row once', async () => {
    const expected = await sides.db.dump('source', 't', ['id']);
    for (let round = 0; round < 5; round++) {
      await sides.db.target.exec('DELETE FROM t');
      await sides.db.target.exec(
        "INSERT INTO t SELECT seq, CONCAT('v', seq) FROM seq_1_to_200 WHERE seq % 2 = 1",
      );
      const reports = await Promise.all([
        restore({ ...options(), stateDir: await tempDir() }),
        restore({ ...options(), stateDir: await tempDir() }),
      ]);
      expect(reports.map((r) => r.applied.inserted).sort((a, b) => a - b)).toEqual([0, 100]);
      expect(await sides.db.dump('target', 't', ['id'])).toEqual(expected);
    }
  });

  it('keeps the row an application inserted into the empty table while the restore waited for its lock', async () => {
    const writer = await connectClient('mysql', sides.db.targetUrl);
    try {
      await writer.exec('START TRANSACTION');
      await writer.exec("INSERT INTO t VALUES (2, 'concurrent'), (500, 'new')");
      const restoring = restore({ ...options(), stateDir: await tempDir() });
      await new Promise((r) => setTimeout(r, 500));
      await writer.exec('COMMIT');
      const report = await restoring;
      expect(report.applied).toEqual({ inserted: 199, updated: 0, deleted: 0 });
      const rows = await sides.db.dump('target', 't', ['id']);
      expect(rows).toHaveLength(201);
      expect(rows[1]).toBe('2\tconcurrent');
      expect(rows.at(-1)).toBe('500\tnew');
    } finally {
      await writer.close();
    }
  });

  it('makes an undo wait for a restore of the same table, then succeed', async () => {
    await sides.db.target.exec("INSERT INTO t VALUES (1, 'one')");
    const stateDir = await tempDir();
    const first = await restore({ ...options(), stateDir, changed: 'take-source' });
    expect(first.applied).toEqual({ inserted: 199, updated: 1, deleted: 0 });
    const holder = await connectClient('mysql', sides.db.targetUrl);
    try {
      await holder.query(`SELECT GET_LOCK('${tableLockName({ schema: dbName(sides), name: 't' })}', 10)`);
      const undoing = undo({ id: first.id, to: sides.db.targetUrl, stateDir }).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 500));
      expect(await sides.db.dump('target', 't', ['id'])).toHaveLength(200);
      await holder.query(`SELECT RELEASE_LOCK('${tableLockName({ schema: dbName(sides), name: 't' })}')`);
      const done = await undoing;
      expect(done).not.toBeInstanceOf(Error);
      expect(await sides.db.dump('target', 't', ['id'])).toEqual(['1\tone']);
    } finally {
      await holder.close();
    }
  });

  it('fails as busy, naming the other run, when another rowback run keeps the table past innodb_lock_wait_timeout', async () => {
    const ref = { schema: dbName(sides), name: 't' };
    const holder = await connectClient('mysql', sides.db.targetUrl);
    const { session } = await openSession(sides.db.targetUrl);
    try {
      await holder.query(`SELECT GET_LOCK('${tableLockName(ref)}', 10)`);
      await session.exec('SET SESSION innodb_lock_wait_timeout = 1');
      const error = await takeTableLock(session, ref).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RowbackError);
      expect((error as RowbackError).code).toBe('busy');
      expect((error as RowbackError).message).toMatch(
        /^Another rowback run \(connection \d+\) is writing .*\.t; waited 1 s/,
      );
      expect(session.heldLock).toBeUndefined();
    } finally {
      await session.close();
      await holder.close();
    }
  });

  it('cancels a restore waiting for another rowback run, and holds no lock afterwards', async () => {
    const ref = { schema: dbName(sides), name: 't' };
    const holder = await connectClient('mysql', sides.db.targetUrl);
    try {
      await holder.query(`SELECT GET_LOCK('${tableLockName(ref)}', 10)`);
      const controller = new AbortController();
      const restoring = restore({ ...options(), stateDir: await tempDir(), signal: controller.signal }).catch(
        (e: unknown) => e,
      );
      await new Promise((r) => setTimeout(r, 800));
      controller.abort();
      const error = await restoring;
      expect((error as RowbackError).code).toBe('interrupted');
      expect(await sides.db.dump('target', 't', ['id'])).toEqual([]);
      await holder.query(`SELECT RELEASE_LOCK('${tableLockName(ref)}')`);
      const [[free]] = (await holder.query(`SELECT IS_FREE_LOCK('${tableLockName(ref)}')`)) as [[string]];
      expect(free).toBe('1');
    } finally {
      await holder.close();
    }
  });

  it('hashes lock names that would pass the 64-character limit', () => {
    const long = tableLockName({ schema: 'd'.repeat(64), name: 'é'.repeat(64) });
    expect([...long].length).toBeLessThanOrEqual(64);
    expect(long).toMatch(/^rowback:[0-9a-f]{56}$/);
    expect(tableLockName({ schema: 'db', name: 't' })).toBe('rowback:db.t');
  });
});

function dbName(sides: Sides): string {
  return decodeURIComponent(new URL(sides.db.targetUrl).pathname.slice(1));
}
