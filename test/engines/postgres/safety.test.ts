import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { RowbackError } from '../../../src/core/errors.js';
import { DEFAULT_POLICY } from '../../../src/core/plan.js';
import { writableColumns } from '../../../src/core/table.js';
import type { Connection, RowStream } from '../../../src/engines/engine.js';
import { postgresEngine } from '../../../src/engines/postgres/index.js';
import { applyOf, parentsOf, planOf, undoOf } from '../flow.js';
import { memoryUndo, type ScratchDb, sqlClient as scratchClient, scratchDb, tableText } from './support.js';

const DDL = `
CREATE TABLE account (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE item (
  sku text COLLATE "C", shop int, account_id int REFERENCES account (id), price numeric, note text,
  PRIMARY KEY (sku, shop)
);
INSERT INTO account SELECT g, 'account ' || g FROM generate_series(1, 5) g;
INSERT INTO item SELECT 'sku-' || g, g % 3, g % 5 + 1, g * 1.5, 'note ' || g FROM generate_series(1, 60) g;`;

const ALL = 'SELECT * FROM item ORDER BY sku, shop';

let source: ScratchDb;
let target: ScratchDb;
let src: Connection;
let dst: Connection;

async function cleanup() {
  await src?.close();
  await dst?.close();
  await source?.drop();
  await target?.drop();
}

beforeEach(async () => {
  await cleanup();
  [source, target] = await Promise.all([scratchDb('source'), scratchDb('target')]);
  await source.client.query(DDL);
  await target.client.query(DDL);
  src = await postgresEngine.connect(source.url);
  dst = await postgresEngine.connect(target.url);
}, 60_000);
afterAll(cleanup);

async function stageItems() {
  const schema = await dst.describe({ name: 'item' });
  const columns = writableColumns(schema).map((c) => c.name);
  return dst.stage(schema, src.read(await src.describe({ name: 'item' }), { columns }), { columns });
}

async function failure(promise: Promise<unknown>): Promise<RowbackError> {
  return (await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e) => e,
  )) as RowbackError;
}

describe('postgres apply safety', () => {
  it('honours a row written between preview and apply: keep-current keeps it, and the counts say so', async () => {
    await target.client.query(`DELETE FROM item WHERE shop = 0`);
    const staged = await stageItems();
    const expected = await planOf(dst, staged);
    expect(expected.missing).toBe(20);
    await target.client.query(`INSERT INTO item VALUES ('sku-3', 0, 1, 99, 'written since the preview')`);
    const result = await applyOf(dst, staged, { policy: DEFAULT_POLICY, undo: memoryUndo(), expected });
    expect(result.plan).toEqual({ missing: 19, changed: 1, extra: 0, same: 40 });
    expect(result.applied.inserted).toBe(19);
    expect(result.warnings.join('\n')).toContain('fewer rows to write (insert 20 → 19)');
    const kept = await tableText(target.client, `SELECT note FROM item WHERE sku = 'sku-3'`);
    expect(kept).toBe('written since the preview\n');
  });

  it('reuses the preview plan under the lock only when nothing was written since', async () => {
    await target.client.query(`DELETE FROM item WHERE shop = 0`);
    const staged = await stageItems();
    const expected = await planOf(dst, staged);
    const result = await applyOf(dst, staged, { policy: DEFAULT_POLICY, undo: memoryUndo(), expected });
    expect(result.replanned).toBe(false);
    expect(result.plan).toEqual(expected);
    expect(await tableText(target.client, ALL)).toBe(await tableText(source.client, ALL));
  });

  it('reuses the preview plan while another session holds an old transaction open, which holds back every snapshot', async () => {
    const idle = await scratchClient(target.url);
    try {
      await idle.query('BEGIN');
      await idle.query('SELECT txid_current()');
      await target.client.query(`DELETE FROM item WHERE shop = 0`);
      for (const side of [source, target])
        await side.client.query(
          `UPDATE item SET note = 'after the old transaction began' WHERE sku = 'sku-1'`,
        );
      const staged = await stageItems();
      const expected = await planOf(dst, staged);
      const result = await applyOf(dst, staged, { policy: DEFAULT_POLICY, undo: memoryUndo(), expected });
      expect(result.replanned).toBe(false);
      expect(result.plan).toEqual(expected);
      expect(await tableText(target.client, ALL)).toBe(await tableText(source.client, ALL));
    } finally {
      await idle.query('ROLLBACK');
      await idle.end();
    }
  });

  it('classifies again, writing the same, when too many recent row versions stand behind an old open transaction', async () => {
    const idle = await scratchClient(target.url);
    try {
      await idle.query('BEGIN');
      await idle.query('SELECT txid_current()');
      const bulk = `INSERT INTO item SELECT 'bulk-' || g, 9, 1, g, 'bulk' FROM generate_series(1, 100001) g`;
      for (const side of [source, target]) await side.client.query(bulk);
      await target.client.query(`DELETE FROM item WHERE shop = 0`);
      const staged = await stageItems();
      const expected = await planOf(dst, staged);
      const result = await applyOf(dst, staged, { policy: DEFAULT_POLICY, undo: memoryUndo(), expected });
      expect(result.replanned).toBe(true);
      expect(result.plan).toEqual(expected);
      expect(await tableText(target.client, ALL)).toBe(await tableText(source.client, ALL));
    } finally {
      await idle.query('ROLLBACK');
      await idle.end();
    }
  }, 60_000);

  it('classifies again when a transaction open at the preview committed a savepoint write before the apply', async () => {
    const writer = await scratchClient(target.url);
    try {
      await target.client.query(`DELETE FROM item WHERE shop = 0`);
      await writer.query('BEGIN');
      await writer.query('SELECT txid_current()');
      await writer.query('SAVEPOINT s');
      await writer.query(`INSERT INTO item VALUES ('sku-3', 0, 1, 99, 'since')`);
      await writer.query('RELEASE SAVEPOINT s');
      const staged = await stageItems();
      await planOf(dst, staged);
      await writer.query('COMMIT');
      const result = await applyOf(dst, staged, { policy: DEFAULT_POLICY, undo: memoryUndo() });
      expect(result.replanned).toBe(true);
      expect(result.plan.missing).toBe(19);
      expect(await tableText(target.client, `SELECT note FROM item WHERE sku = 'sku-3' AND shop = 0`)).toBe(
        'since\n',
      );
    } finally {
      await writer.end();
    }
  });

  it.each([
    [
      'an insert of a missing key',
      `INSERT INTO item VALUES ('sku-3', 0, 1, 99, 'since')`,
      { missing: 19, changed: 1 },
    ],
    [
      'an update of a same row',
      `UPDATE item SET note = 'since' WHERE sku = 'sku-1'`,
      { missing: 20, changed: 1 },
    ],
    ['a delete of a same row', `DELETE FROM item WHERE sku = 'sku-1'`, { missing: 21, changed: 0 }],
    [
      'a delete and an insert that keep the count',
      `DELETE FROM item WHERE sku = 'sku-1'; INSERT INTO item VALUES ('new', 9, 1, 1, 'since')`,
      { missing: 21, changed: 0 },
    ],
  ])('classifies again under the lock after %s since the preview', async (_what, write, moved) => {
    await target.client.query(`DELETE FROM item WHERE shop = 0`);
    const staged = await stageItems();
    await planOf(dst, staged);
    await target.client.query(write);
    // No bound: some of these writes make the plan grow, which a restore would show again first.
    const result = await applyOf(dst, staged, { policy: DEFAULT_POLICY, undo: memoryUndo() });
    expect(result.replanned).toBe(true);
    expect(result.plan.missing).toBe(moved.missing);
    expect(result.plan.changed).toBe(moved.changed);
    expect(result.applied.inserted).toBe(moved.missing);
    expect(await tableText(target.client, `SELECT count(*) FROM item WHERE note = 'since'`)).toBe(
      write.includes('UPDATE') || write.includes("'sku-3'") || write.includes("'new'") ? '1\n' : '0\n',
    );
  });

  it('refuses rows whose parent is gone, naming the foreign key and keys, and writes nothing', async () => {
    await target.client.query(`DELETE FROM item WHERE account_id = 2`);
    await target.client.query(`DELETE FROM account WHERE id = 2`);
    const before = await tableText(target.client, ALL);
    const staged = await stageItems();
    const parents = await parentsOf(dst, staged, DEFAULT_POLICY);
    expect(parents).toEqual([
      {
        foreignKey: 'item_account_id_fkey',
        columns: ['account_id'],
        parent: 'public.account',
        rows: 12,
        sample: ['2'],
      },
    ]);
    const error = await failure(applyOf(dst, staged, { policy: DEFAULT_POLICY, undo: memoryUndo() }));
    expect(error.code).toBe('missing-parent');
    expect(error.details?.['missingParents']).toEqual(parents);
    expect(await tableText(target.client, ALL)).toBe(before);
  });

  it('rolls back when a rule silently drops the writes and no trigger explains it', async () => {
    // inserts go past INSERT rules (COPY fires none); updates cannot, so an UPDATE rule can swallow them
    await target.client.query(`UPDATE item SET note = 'edited' WHERE shop = 1`);
    await target.client.query(`CREATE RULE swallow AS ON UPDATE TO item DO INSTEAD NOTHING`);
    const before = await tableText(target.client, ALL);
    const staged = await stageItems();
    const policy = { changed: 'take-source', extra: 'keep' } as const;
    const error = await failure(applyOf(dst, staged, { policy, undo: memoryUndo() }));
    expect(error.code).toBe('verify-failed');
    expect(error.message).toContain('20 of 20');
    expect(error.hint).toContain('swallow');
    expect(await tableText(target.client, ALL)).toBe(before);
  });

  it('fails the verification when a user trigger changed the rows it wrote, and commits with a warning when allowed', async () => {
    await target.client.query(`DELETE FROM item WHERE shop = 2`);
    await target.client.query(`CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN NEW.note := 'stamped'; RETURN NEW; END $$`);
    await target.client.query(
      `CREATE TRIGGER stamp BEFORE INSERT ON item FOR EACH ROW EXECUTE FUNCTION stamp()`,
    );
    const refused = await failure(
      applyOf(dst, await stageItems(), { policy: DEFAULT_POLICY, undo: memoryUndo() }),
    );
    expect(refused.code).toBe('verify-failed');
    expect(refused.hint).toContain('--allow-trigger-changes');
    expect(await tableText(target.client, `SELECT count(*) FROM item WHERE shop = 2`)).toBe('0\n');
    const staged = await stageItems();
    const result = await applyOf(dst, staged, {
      policy: DEFAULT_POLICY,
      undo: memoryUndo(),
      allowTriggerChanges: true,
    });
    expect(result.verification).toEqual({ checked: 20, mismatched: 20 });
    expect(result.warnings.join('\n')).toContain('triggers (stamp)');
    expect(await tableText(target.client, `SELECT count(*) FROM item WHERE note = 'stamped'`)).toBe('20\n');
  });

  it('refuses to undo when a restored row changed since, naming the keys', async () => {
    await target.client.query(`DELETE FROM item WHERE shop = 0`);
    const staged = await stageItems();
    const undo = memoryUndo();
    await applyOf(dst, staged, { policy: DEFAULT_POLICY, undo });
    await target.client.query(`UPDATE item SET price = 0 WHERE sku = 'sku-12' AND shop = 0`);
    const after = await tableText(target.client, ALL);
    const error = await failure(undoOf(dst, await dst.describe({ name: 'item' }), undo.bundle(), {}));
    expect(error.code).toBe('conflict');
    expect(error.details).toEqual({
      rows: 1,
      sample: ['sku=sku-12, shop=0'],
      // the row as it is now, beside what the restore left (price was restored, then set to 0)
      now: [
        {
          class: 'changed',
          key: { sku: 'sku-12', shop: '0' },
          row: { sku: 'sku-12', shop: '0', price: '0', account_id: '3', note: 'note 12' },
        },
      ],
    });
    expect(await tableText(target.client, ALL)).toBe(after);
  });

  it('cancel stops a running statement and the transaction rolls back', async () => {
    let release = () => {};
    async function* slow(): RowStream {
      yield Buffer.from('sku-x\t1\t1\t1\tfirst\n');
      await new Promise<void>((resolve) => {
        release = resolve;
        setTimeout(resolve, 5_000);
      });
      yield Buffer.from('sku-y\t1\t1\t1\tsecond\n');
    }
    const schema = await dst.describe({ name: 'item' });
    const columns = writableColumns(schema).map((c) => c.name);
    const staging = failure(dst.stage(schema, slow(), { columns }));
    await sleep(300);
    await dst.cancel();
    release();
    const error = await staging;
    expect(error.code).toBe('interrupted');
  });

  it('reports a lost connection as such: the server rolled the transaction back', async () => {
    await target.client.query(`DELETE FROM item WHERE shop = 0`);
    await target.client.query(`CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_sleep(0.2); RETURN NEW; END $$`);
    await target.client.query(
      `CREATE TRIGGER slow BEFORE INSERT ON item FOR EACH ROW EXECUTE FUNCTION slow()`,
    );
    const before = await tableText(target.client, ALL);
    const lost = await postgresEngine.connect(target.url, { applicationName: 'rowback-lost-connection' });
    const staged = await lost.stage(
      await lost.describe({ name: 'item' }),
      src.read(await src.describe({ name: 'item' }), {
        columns: ['sku', 'shop', 'account_id', 'price', 'note'],
      }),
      { columns: ['sku', 'shop', 'account_id', 'price', 'note'] },
    );
    const applying = failure(applyOf(lost, staged, { policy: DEFAULT_POLICY, undo: memoryUndo() }));
    await sleep(1_000);
    await target.client.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'rowback-lost-connection'`,
    );
    const error = await applying;
    expect(error.code).toBe('connection');
    expect(error.message).toContain('rolled back by the server');
    await lost.close();
    expect(await tableText(target.client, ALL)).toBe(before);
  });

  it('disables triggers only for a user allowed to, and says so otherwise', async () => {
    await target.client.query(`DELETE FROM item WHERE shop = 2`);
    await target.client.query(`CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN NEW.note := 'stamped'; RETURN NEW; END $$`);
    await target.client.query(
      `CREATE TRIGGER stamp BEFORE INSERT ON item FOR EACH ROW EXECUTE FUNCTION stamp()`,
    );
    const role = `rowback_plain_${Date.now()}`;
    await target.client.query(`CREATE ROLE ${role} LOGIN PASSWORD 'plain-pw'`);
    try {
      await target.client.query(`GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role}`);
      const url = new URL(target.url);
      url.username = role;
      url.password = 'plain-pw';
      const plain = await postgresEngine.connect(url.toString());
      const columns = ['sku', 'shop', 'account_id', 'price', 'note'];
      const staged = await plain.stage(
        await plain.describe({ name: 'item' }),
        src.read(await src.describe({ name: 'item' }), { columns }),
        { columns },
      );
      const error = await failure(
        applyOf(plain, staged, { policy: DEFAULT_POLICY, undo: memoryUndo(), disableTriggers: true }),
      );
      expect(error.code).toBe('privilege');
      expect(error.hint).toContain('--disable-triggers');
      await plain.close();

      const stagedBySuperuser = await stageItems();
      const result = await applyOf(dst, stagedBySuperuser, {
        policy: DEFAULT_POLICY,
        undo: memoryUndo(),
        disableTriggers: true,
      });
      expect(result.verification).toEqual({ checked: 20, mismatched: 0 });
      expect(await tableText(target.client, ALL)).toBe(await tableText(source.client, ALL));
    } finally {
      await target.client.query(`DROP OWNED BY ${role}`);
      await target.client.query(`DROP ROLE ${role}`);
    }
  });

  it('blocks concurrent writers while it applies, and lets them in after COMMIT', async () => {
    await target.client.query(`DELETE FROM item WHERE shop = 0`);
    await target.client.query(`CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_sleep(0.05); RETURN NEW; END $$`);
    await target.client.query(
      `CREATE TRIGGER slow BEFORE INSERT ON item FOR EACH ROW EXECUTE FUNCTION slow()`,
    );
    const staged = await stageItems();
    const writer = await scratchClient(target.url);
    let applied = false;
    const applying = applyOf(dst, staged, { policy: DEFAULT_POLICY, undo: memoryUndo() }).finally(() => {
      applied = true;
    });
    const lockOnItem = `SELECT 1 FROM pg_locks WHERE relation = 'item'::regclass`;
    while (
      !applied &&
      !(await target.client.query(`${lockOnItem} AND mode = 'ShareRowExclusiveLock' AND granted`)).rowCount
    ) {
      await sleep(10);
    }
    const writing = writer.query(`INSERT INTO item VALUES ('sku-new', 9, 1, 1, 'concurrent')`);
    let writerWaited = false;
    while (!applied && !writerWaited) {
      writerWaited = Boolean((await target.client.query(`${lockOnItem} AND NOT granted`)).rowCount);
      await sleep(10);
    }
    const result = await applying;
    await writing;
    await writer.end();
    expect(writerWaited).toBe(true);
    expect(result.applied.inserted).toBe(20);
    expect(await tableText(target.client, `SELECT note FROM item WHERE sku = 'sku-new'`)).toBe(
      'concurrent\n',
    );
  });
});
