import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { findExecutable } from '../../../src/servers/os-user.js';
import { findPostgresBinaries } from '../../../src/servers/postgres-binaries.js';
import { runCli, tempDir } from '../../harness/index.js';
import { type ScratchDb, scratchDb, tableText } from './support.js';

let dbs: ScratchDb[] = [];

afterEach(async () => {
  for (const db of dbs) await db.drop();
  dbs = [];
});

/** The past (source) and the present (target: the same past, then `since`). */
async function pair(ddl: string, since: string) {
  const [source, target] = await Promise.all([scratchDb('source'), scratchDb('target')]);
  dbs.push(source, target);
  await source.client.query(ddl);
  await target.client.query(ddl);
  await target.client.query(since);
  return { source, target };
}

/** The fields of `--json` output these tests read. */
interface Output {
  id: string;
  key: string[];
  plan: unknown;
  applied: unknown;
  verification: unknown;
  error: { code: string; message: string };
}

/** Runs a script as its first comment says: psql, stopping at the first error. */
async function psql(file: string, url: string): Promise<{ stdout: string }> {
  const binary = await findExecutable('psql', [(await findPostgresBinaries()).binDir]);
  return promisify(execFile)(binary!, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file, url]);
}

async function restore(source: ScratchDb, target: ScratchDb, table: string, ...flags: string[]) {
  const result = await runCli([
    'restore',
    table,
    '--from',
    source.url,
    '--to',
    target.url,
    '--yes',
    '--json',
    '--no-progress',
    '--state-dir',
    await tempDir(),
    ...flags,
  ]);
  const json = result.stdout.trim() ? (JSON.parse(result.stdout) as Output) : undefined;
  return { ...result, json };
}

describe('PostgreSQL keys the check used to refuse or get wrong', () => {
  it('matches rows by the key columns of a PRIMARY KEY … INCLUDE, not by its included columns', async () => {
    const { source, target } = await pair(
      `CREATE TABLE invoice (tenant int, no int, memo text NOT NULL, total numeric(8,2),
                             PRIMARY KEY (tenant, no) INCLUDE (memo));
       INSERT INTO invoice VALUES (1, 1, 'first', 10.00), (1, 2, 'second', 20.50), (2, 1, 'other', 7.25);`,
      `DELETE FROM invoice WHERE (tenant, no) = (1, 1);
       UPDATE invoice SET memo = 'edited', total = 99.99 WHERE (tenant, no) = (1, 2);
       INSERT INTO invoice VALUES (3, 1, 'since', 1.00);`,
    );
    const run = await restore(source, target, 'invoice', '--changed', 'take-source');
    expect(run.code, run.stderr).toBe(0);
    expect(run.json!.key).toEqual(['tenant', 'no']);
    expect(run.json!.plan).toEqual({ missing: 1, changed: 1, extra: 1, same: 1 });
    expect(run.json!.applied).toEqual({ inserted: 1, updated: 1, deleted: 0 });
    expect(await tableText(target.client, 'SELECT * FROM invoice ORDER BY tenant, no')).toBe(
      '1\t1\tfirst\t10.00\n1\t2\tsecond\t20.50\n2\t1\tother\t7.25\n3\t1\tsince\t1.00\n',
    );
  });

  it('takes a UNIQUE … INCLUDE index on NOT NULL key columns as the key, whatever its included columns hold', async () => {
    const { source, target } = await pair(
      `CREATE TABLE stock (sku text NOT NULL, batch int NOT NULL, qty int, note text);
       CREATE UNIQUE INDEX stock_sku_batch ON stock (sku, batch) INCLUDE (qty, note);
       INSERT INTO stock VALUES ('a', 1, NULL, 'n'), ('a', 2, 5, NULL), ('b', 1, 3, 'x');`,
      `DELETE FROM stock WHERE sku = 'a';`,
    );
    const run = await restore(source, target, 'stock');
    expect(run.code, run.stderr).toBe(0);
    expect(run.json!.key).toEqual(['sku', 'batch']);
    expect(run.json!.applied).toEqual({ inserted: 2, updated: 0, deleted: 0 });
    expect(await tableText(target.client, 'SELECT * FROM stock ORDER BY sku, batch')).toBe(
      'a\t1\t\\N\tn\na\t2\t5\t\\N\nb\t1\t3\tx\n',
    );
  });

  it('reads and matches a STORED generated key column without writing it, then undoes exactly', async () => {
    const ddl = `CREATE TABLE part (tenant int NOT NULL, local int NOT NULL,
        code text GENERATED ALWAYS AS (tenant || '-' || local) STORED PRIMARY KEY, name text, price numeric(8,2));
      INSERT INTO part (tenant, local, name, price) VALUES (1, 1, 'bolt', 0.10), (1, 2, 'nut', 0.05),
        (2, 1, 'gear', 12.00), (2, 2, 'cog', 3.30);`;
    const { source, target } = await pair(
      ddl,
      `DELETE FROM part WHERE tenant = 1;
       UPDATE part SET name = 'renamed', price = 9.99 WHERE code = '2-1';
       INSERT INTO part (tenant, local, name, price) VALUES (3, 1, 'since', 1.00);`,
    );
    const all = 'SELECT * FROM part ORDER BY code';
    const before = await tableText(target.client, all);
    const stateDir = await tempDir();
    const run = await restore(
      source,
      target,
      'part',
      '--changed',
      'take-source',
      '--extra',
      'delete',
      '--state-dir',
      stateDir,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.json!.key).toEqual(['code']);
    expect(run.json!.plan).toEqual({ missing: 2, changed: 1, extra: 1, same: 1 });
    expect(run.json!.applied).toEqual({ inserted: 2, updated: 1, deleted: 1 });
    expect(run.json!.verification).toEqual({ checked: 4, mismatched: 0 });
    expect(await tableText(target.client, all)).toBe(
      '1\t1\t1-1\tbolt\t0.10\n1\t2\t1-2\tnut\t0.05\n2\t1\t2-1\tgear\t12.00\n2\t2\t2-2\tcog\t3.30\n',
    );
    expect(await tableText(target.client, all)).toBe(await tableText(source.client, all));

    const undo = await runCli([
      'undo',
      run.json!.id,
      '--to',
      target.url,
      '--yes',
      '--json',
      '--state-dir',
      stateDir,
    ]);
    expect(undo.code, undo.stderr).toBe(0);
    expect((JSON.parse(undo.stdout) as Output).applied).toEqual({ inserted: 1, updated: 1, deleted: 2 });
    expect(await tableText(target.client, all)).toBe(before);
  });

  it('writes a --sql-out script for a generated key that psql runs to the same table', async () => {
    const { source, target } = await pair(
      `CREATE TABLE part (tenant int NOT NULL, local int NOT NULL,
         code text GENERATED ALWAYS AS (tenant || '-' || local) STORED PRIMARY KEY, name text);
       INSERT INTO part (tenant, local, name) VALUES (1, 1, 'bolt'), (1, 2, 'nut'), (2, 1, 'gear');`,
      `DELETE FROM part WHERE tenant = 1; UPDATE part SET name = 'renamed' WHERE code = '2-1';`,
    );
    const file = join(await tempDir(), 'restore.sql');
    const run = await restore(source, target, 'part', '--changed', 'take-source', '--sql-out', file);
    expect(run.code, run.stderr).toBe(0);
    const psql = await findExecutable('psql', [(await findPostgresBinaries()).binDir]);
    const ran = await promisify(execFile)(psql!, [
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-f',
      file,
      target.url,
    ]);
    expect(ran.stdout).toContain(
      'rowback: inserted 2 of 2, updated 1 of 1, deleted 0 of 0; 0 row(s) skipped because they changed since this script was written',
    );
    expect(await tableText(target.client, 'SELECT * FROM part ORDER BY code')).toBe(
      '1\t1\t1-1\tbolt\n1\t2\t1-2\tnut\n2\t1\t2-1\tgear\n',
    );
  });
});

describe('foreign keys of an inheritance parent and its children', () => {
  const DDL = `
    CREATE TABLE account (id int PRIMARY KEY);
    CREATE TABLE ledger (id int PRIMARY KEY);
    CREATE TABLE event (id int PRIMARY KEY, account int REFERENCES account, payload text);
    -- Children inherit columns, not foreign keys: the archive has none, billed events reference the ledger.
    CREATE TABLE event_archive (PRIMARY KEY (id)) INHERITS (event);
    CREATE TABLE event_billed (PRIMARY KEY (id), FOREIGN KEY (account) REFERENCES ledger) INHERITS (event);
    INSERT INTO account VALUES (1);
    INSERT INTO ledger VALUES (5), (6);
    INSERT INTO event VALUES (1, 1, 'live');
    INSERT INTO event_archive VALUES (2, 99, 'account 99 closed long ago');
    INSERT INTO event_billed VALUES (3, 5, 'billed'), (4, 6, 'billed too');`;
  const WHERE = 'SELECT tableoid::regclass::text, * FROM event ORDER BY id';

  it('checks the rows landing in each child against that child’s own foreign keys, and restores them', async () => {
    const { source, target } = await pair(DDL, 'DELETE FROM event;');
    const run = await restore(source, target, 'event');
    expect(run.code, run.stderr).toBe(0);
    expect(run.json!.applied).toEqual({ inserted: 4, updated: 0, deleted: 0 });
    expect(await tableText(target.client, WHERE)).toBe(
      'event\t1\t1\tlive\nevent_archive\t2\t99\taccount 99 closed long ago\nevent_billed\t3\t5\tbilled\nevent_billed\t4\t6\tbilled too\n',
    );
  });

  it('refuses rows whose child’s foreign key has no parent row, naming that key, and writes nothing (exit 7)', async () => {
    const { source, target } = await pair(DDL, 'DELETE FROM event; DELETE FROM ledger WHERE id = 6;');
    const run = await restore(source, target, 'event');
    expect(run.code, run.stderr).toBe(7);
    expect(run.json!.error.code).toBe('missing-parent');
    expect(run.json!.error.message).toBe(
      'Writing these rows into public.event would break foreign keys: 1 row(s) reference public.ledger (account) through event_billed_account_fkey, e.g. 6. Nothing was written.',
    );
    expect(await tableText(target.client, WHERE)).toBe('');
  });

  it('writes a --sql-out script that checks each child’s own foreign keys too, as psql runs it', async () => {
    const good = await pair(DDL, 'DELETE FROM event;');
    const file = join(await tempDir(), 'restore.sql');
    expect((await restore(good.source, good.target, 'event', '--sql-out', file)).code).toBe(0);
    await psql(file, good.target.url);
    expect(await tableText(good.target.client, WHERE)).toBe(
      'event\t1\t1\tlive\nevent_archive\t2\t99\taccount 99 closed long ago\nevent_billed\t3\t5\tbilled\nevent_billed\t4\t6\tbilled too\n',
    );

    const bad = await pair(DDL, 'DELETE FROM event; DELETE FROM ledger WHERE id = 6;');
    expect((await restore(bad.source, bad.target, 'event', '--sql-out', file)).code).toBe(0);
    await expect(psql(file, bad.target.url)).rejects.toThrow(
      'rowback: rows to write into public.event (public.event_billed) reference public.ledger rows that do not exist (event_billed_account_fkey); nothing was written',
    );
    expect(await tableText(bad.target.client, WHERE)).toBe('');
  });
});
