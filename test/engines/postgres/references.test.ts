import { afterEach, describe, expect, it } from 'vitest';
import type { RowbackError } from '../../../src/core/errors.js';
import { DEFAULT_POLICY, type Policy } from '../../../src/core/plan.js';
import { writableColumns } from '../../../src/core/table.js';
import type { Connection } from '../../../src/engines/engine.js';
import { postgresEngine } from '../../../src/engines/postgres/index.js';
import { applyOf, directOf, parentsOf, undoOf } from '../flow.js';
import { memoryUndo, type ScratchDb, scratchDb, tableText } from './support.js';

const EXACT: Policy = { changed: 'take-source', extra: 'delete' };

const DDL = `
CREATE TABLE account (id int PRIMARY KEY, name text);
CREATE TABLE invoice (id int PRIMARY KEY, account int REFERENCES account ON DELETE CASCADE);
CREATE TABLE note (id int PRIMARY KEY, account int REFERENCES account DEFERRABLE INITIALLY DEFERRED);
INSERT INTO account SELECT g, 'account ' || g FROM generate_series(1, 5) g;
CREATE FUNCTION no_seven() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN IF NEW.id = 7 THEN RAISE EXCEPTION 'account 7 is closed'; END IF; RETURN NEW; END $$;`;

const ALL = `SELECT a.*, (SELECT count(*) FROM invoice i WHERE i.account = a.id) AS invoices,
             (SELECT count(*) FROM note n WHERE n.account = a.id) AS notes FROM account a ORDER BY id`;

let source: ScratchDb;
let target: ScratchDb;
let src: Connection;
let dst: Connection;

async function setup(since: string) {
  [source, target] = await Promise.all([scratchDb('source'), scratchDb('target')]);
  await source.client.query(DDL);
  await source.client.query(`INSERT INTO account SELECT g, 'account ' || g FROM generate_series(6, 8) g`);
  await target.client.query(DDL);
  await target.client.query(since);
  src = await postgresEngine.connect(source.url);
  dst = await postgresEngine.connect(target.url);
  const schema = await dst.describe({ name: 'account' });
  const columns = writableColumns(schema).map((c) => c.name);
  const rows = src.read(await src.describe({ name: 'account' }), { columns });
  return dst.stage(schema, rows, { columns });
}

afterEach(async () => {
  await src?.close();
  await dst?.close();
  await source?.drop();
  await target?.drop();
});

async function failure(promise: Promise<unknown>): Promise<RowbackError> {
  return (await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e) => e,
  )) as RowbackError;
}

describe('postgres restore and the tables around it', () => {
  it('refuses, already at preview, to delete extra rows whose children ON DELETE CASCADE would take along', async () => {
    const staged = await setup(
      `INSERT INTO account VALUES (9, 'since'); INSERT INTO invoice VALUES (1, 9), (2, 9), (3, 1);`,
    );
    const before = await tableText(target.client, ALL);
    const preview = await failure(parentsOf(dst, staged, EXACT));
    expect(preview.code).toBe('unsupported');
    expect(preview.message).toBe(
      'Extra rows of public.account to delete are referenced by 2 row(s) of public.invoice (invoice_account_fkey, ON DELETE CASCADE), which would be deleted with them; rowback does not change other tables. Nothing was written.',
    );
    expect(preview.hint).toContain('Restore public.invoice first');
    expect(await parentsOf(dst, staged, DEFAULT_POLICY)).toEqual([]);
    const applying = await failure(applyOf(dst, staged, { policy: EXACT, undo: memoryUndo() }));
    expect(applying.code).toBe('unsupported');
    expect(await tableText(target.client, ALL)).toBe(before);
  });

  it('refuses to delete extra rows a DEFERRABLE foreign key still references, even on a dry run', async () => {
    const staged = await setup(`INSERT INTO account VALUES (9, 'since'); INSERT INTO note VALUES (1, 9);`);
    const before = await tableText(target.client, ALL);
    const error = await failure(applyOf(dst, staged, { policy: EXACT, undo: memoryUndo(), dryRun: true }));
    expect(error.code).toBe('unsupported');
    expect(error.message).toContain('1 row(s) of public.note (note_account_fkey, ON DELETE NO ACTION)');
    expect(await tableText(target.client, ALL)).toBe(before);
    // Once the child row is gone, the exact rewind goes through.
    await target.client.query(`DELETE FROM note`);
    const result = await applyOf(dst, staged, { policy: EXACT, undo: memoryUndo() });
    expect(result.applied).toEqual({ inserted: 3, updated: 0, deleted: 1 });
    expect(await tableText(target.client, ALL)).toBe(await tableText(source.client, ALL));
  });

  it('refuses to undo a restore whose inserted rows have since gained children ON DELETE CASCADE', async () => {
    const staged = await setup(`SELECT 1`);
    const undo = memoryUndo();
    expect((await applyOf(dst, staged, { policy: DEFAULT_POLICY, undo })).applied.inserted).toBe(3);
    await target.client.query(`INSERT INTO invoice VALUES (1, 7)`);
    const before = await tableText(target.client, ALL);
    const error = await failure(undoOf(dst, await dst.describe({ name: 'account' }), undo.bundle(), {}));
    expect(error.code).toBe('unsupported');
    expect(error.message).toBe(
      'Rows the restore inserted into public.account, which undo would delete, are referenced by 1 row(s) of public.invoice (invoice_account_fkey, ON DELETE CASCADE), which would be deleted with them; rowback does not change other tables. Nothing was written.',
    );
    expect(await tableText(target.client, ALL)).toBe(before);
    await target.client.query(`DELETE FROM invoice`);
    await undoOf(dst, await dst.describe({ name: 'account' }), undo.bundle(), {});
    expect(await tableText(target.client, 'SELECT max(id) FROM account')).toBe('5\n');
  });

  it('checks a DEFERRABLE foreign key on the direct path before it commits, and writes nothing', async () => {
    await setup(`SELECT 1`);
    await source.client.query(`INSERT INTO note VALUES (1, 2), (2, 7)`);
    const schema = await dst.describe({ name: 'note' });
    const columns = writableColumns(schema).map((c) => c.name);
    const source_ = await src.describe({ name: 'note' });
    const error = await failure(
      directOf(dst, schema, src.read(source_, { columns }), { columns, undo: memoryUndo() }),
    );
    expect(error.code).toBe('missing-parent');
    expect(error.message).toContain('note_account_fkey');
    expect(await tableText(target.client, 'SELECT count(*) FROM note')).toBe('0\n');
  });

  it('fails clearly, naming the trigger, when a trigger refuses a row, and writes nothing', async () => {
    const staged = await setup(
      `CREATE TRIGGER no_seven BEFORE INSERT ON account FOR EACH ROW EXECUTE FUNCTION no_seven();
       DELETE FROM account WHERE id > 3;`,
    );
    const before = await tableText(target.client, ALL);
    const error = await failure(applyOf(dst, staged, { policy: DEFAULT_POLICY, undo: memoryUndo() }));
    expect(error.message).toBe(
      'Failed while inserting missing rows into public.account: account 7 is closed [PL/pgSQL function no_seven() line 2 at RAISE]. The transaction was rolled back; nothing was written.',
    );
    expect(await tableText(target.client, ALL)).toBe(before);
  });
});
