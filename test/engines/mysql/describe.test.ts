import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RowbackError } from '../../../src/core/errors.js';
import { DEFAULT_POLICY } from '../../../src/core/plan.js';
import { describeTable } from '../../../src/core/resolve.js';
import { formatTable, writableColumns } from '../../../src/core/table.js';
import { mysqlEngine } from '../../../src/engines/mysql/index.js';
import { planOf, samplesOf } from '../flow.js';
import { openSides, restoreTable, type Sides } from './support.js';

describe('MySQL describe, samples and connections', () => {
  let sides: Sides;
  beforeEach(async () => {
    sides = await openSides();
  });
  afterEach(() => sides.close());

  it('describes columns, generated columns, keys, triggers, partitioning and collation', async () => {
    await sides.db.target.exec(`CREATE TABLE d (
      id INT NOT NULL AUTO_INCREMENT,
      code VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
      qty INT NOT NULL DEFAULT 1,
      twice INT AS (qty * 2) VIRTUAL,
      kept INT AS (qty + 1) STORED,
      PRIMARY KEY (id, code)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci PARTITION BY KEY (id) PARTITIONS 2`);
    await sides.db.target.exec('CREATE TRIGGER d_bump BEFORE INSERT ON d FOR EACH ROW SET NEW.qty = NEW.qty');
    const schema = await sides.target.describe({ name: 'd' });
    expect(schema.columns).toEqual([
      {
        name: 'id',
        type: 'int(11)',
        nullable: false,
        hasDefault: true,
        generated: 'no',
        identity: 'auto-increment',
      },
      {
        name: 'code',
        type: 'varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin',
        nullable: false,
        hasDefault: false,
        generated: 'no',
        identity: 'no',
      },
      { name: 'qty', type: 'int(11)', nullable: false, hasDefault: true, generated: 'no', identity: 'no' },
      {
        name: 'twice',
        type: 'int(11)',
        nullable: true,
        hasDefault: true,
        generated: 'virtual',
        identity: 'no',
      },
      {
        name: 'kept',
        type: 'int(11)',
        nullable: true,
        hasDefault: true,
        generated: 'stored',
        identity: 'no',
      },
    ]);
    expect(schema.key).toEqual({ columns: ['id', 'code'], origin: 'primary', name: 'PRIMARY' });
    expect(schema.triggers).toEqual(['d_bump']);
    expect(schema.partitioning).toBe('mysql');
    expect(schema.transactional).toBe(true);
    expect(schema.collation).toBe('utf8mb4_unicode_ci');
    expect(schema.sequences).toEqual([{ column: 'id', name: 'd' }]);
    expect(writableColumns(schema).map((c) => c.name)).toEqual(['id', 'code', 'qty']);
  });

  it('chooses a unique NOT NULL key without prefix, else none, and validates a user key', async () => {
    await sides.db.target.exec(`CREATE TABLE u (
      a VARCHAR(50) NOT NULL, b INT NULL, c INT NOT NULL,
      UNIQUE KEY by_prefix (a(10)), UNIQUE KEY by_nullable (b), UNIQUE KEY by_c (c))`);
    await sides.db.target.exec('CREATE TABLE none (a INT, b INT)');
    expect((await sides.target.describe({ name: 'u' })).key).toEqual({
      columns: ['c'],
      origin: 'unique',
      name: 'by_c',
    });
    expect((await sides.target.describe({ name: 'none' })).key).toBeUndefined();
    expect((await sides.target.describe({ name: 'none' }, { key: ['a', 'b'] })).key).toEqual({
      columns: ['a', 'b'],
      origin: 'user',
    });
    const bad = await sides.target.describe({ name: 'none' }, { key: ['zz'] }).catch((e: unknown) => e);
    expect((bad as RowbackError).code).toBe('usage');
    const missing = await sides.target.describe({ name: 'nope' }).catch((e: unknown) => e);
    expect((missing as RowbackError).code).toBe('table-not-found');
    const schema = (await sides.target.describe({ name: 'u' })).ref.schema;
    const tables = (await sides.target.listTables()).filter((t) => t.schema === schema).map((t) => t.name);
    expect(tables).toEqual(['none', 'u']);
  });

  it("suggests the close names of the URL's database, and the same name in another database qualified", async () => {
    await sides.db.target.exec('CREATE TABLE accounts (id INT PRIMARY KEY)');
    const schema = (await sides.target.describe({ name: 'accounts' })).ref.schema!;
    const other = `${schema}_o`;
    await sides.db.target.exec(`CREATE DATABASE \`${other}\``);
    try {
      await sides.db.target.exec(`CREATE TABLE \`${other}\`.account (id INT PRIMARY KEY)`);
      await sides.db.target.exec(`CREATE TABLE \`${other}\`.ledger (id INT PRIMARY KEY)`);
      const hint = async (table: string) =>
        ((await describeTable(sides.target, table, 'target').catch((e) => e)) as RowbackError).hint;
      // another database's `account` is not what a bare name on this URL means
      expect(await hint('acounts')).toBe('Did you mean accounts?');
      expect(await hint('ledger')).toBe(`Did you mean ${formatTable({ schema: other, name: 'ledger' })}?`);
      expect(await hint('ledgers')).toBe('Check the name and the database in the URL.');
    } finally {
      await sides.db.target.exec(`DROP DATABASE \`${other}\``);
    }
  });

  it('shows sample rows with the changed columns, binary values as hex', async () => {
    for (const side of [sides.db.source, sides.db.target]) {
      await side.exec(
        'CREATE TABLE s (id INT PRIMARY KEY, name VARCHAR(10) COLLATE utf8mb4_general_ci, raw VARBINARY(4))',
      );
    }
    await sides.db.source.exec(
      "INSERT INTO s VALUES (1, 'abc', 0x00ff), (2, 'same', NULL), (3, 'new', 0x0a)",
    );
    await sides.db.target.exec(
      "INSERT INTO s VALUES (1, 'ABC', 0x00ff), (2, 'same', NULL), (4, 'extra', NULL)",
    );
    const target = await sides.target.describe({ name: 's' });
    const source = await sides.source.describe({ name: 's' });
    const columns = writableColumns(target).map((c) => c.name);
    const staged = await sides.target.stage(target, sides.source.read(source, { columns }), { columns });
    expect(await planOf(sides.target, staged)).toEqual({ missing: 1, changed: 1, extra: 1, same: 1 });
    expect(await samplesOf(sides.target, staged, 'changed', 5)).toEqual([
      {
        class: 'changed',
        key: { id: '1' },
        source: { id: '1', name: 'abc', raw: '\\x00ff' },
        target: { id: '1', name: 'ABC', raw: '\\x00ff' },
        changedColumns: ['name'],
      },
    ]);
    expect(await samplesOf(sides.target, staged, 'missing', 5)).toEqual([
      { class: 'missing', key: { id: '3' }, source: { id: '3', name: 'new', raw: '\\x0a' } },
    ]);
    expect(await samplesOf(sides.target, staged, 'extra', 5)).toEqual([
      { class: 'extra', key: { id: '4' }, target: { id: '4', name: 'extra', raw: null } },
    ]);
  });

  it('fails the verification when a trigger changed the restored rows, and commits with a warning when allowed', async () => {
    for (const side of [sides.db.source, sides.db.target])
      await side.exec('CREATE TABLE tr (id INT PRIMARY KEY, v INT)');
    await sides.db.target.exec(
      'CREATE TRIGGER tr_double BEFORE INSERT ON tr FOR EACH ROW SET NEW.v = NEW.v * 2',
    );
    await sides.db.source.exec('INSERT INTO tr VALUES (1, 5)');
    const refused = await restoreTable(sides, 'tr').catch((e: unknown) => e);
    expect((refused as RowbackError).code).toBe('verify-failed');
    expect((refused as RowbackError).message).toContain('values differ in v in 1 row(s)');
    expect(await sides.db.dump('target', 'tr', ['id'])).toEqual([]);
    const { result } = await restoreTable(sides, 'tr', DEFAULT_POLICY, undefined, {
      allowTriggerChanges: true,
    });
    expect(result.verification).toEqual({ checked: 1, mismatched: 1 });
    expect(result.warnings.join(' ')).toContain('tr_double');
    expect(await sides.db.dump('target', 'tr', ['id'])).toEqual(['1\t10']);
  });

  it('reports connection failures with the URL redacted and never the password', async () => {
    const url = new URL(sides.db.targetUrl);
    url.username = 'nobody_here';
    url.password = 'S3cret-pass';
    const denied = await mysqlEngine.connect(url.toString()).catch((e: unknown) => e);
    expect((denied as RowbackError).code).toBe('connection');
    expect((denied as RowbackError).message).toContain('nobody_here@');
    expect((denied as RowbackError).message).not.toContain('S3cret-pass');
    const refused = await mysqlEngine
      .connect('mariadb://u:S3cret-pass@127.0.0.1:1/db')
      .catch((e: unknown) => e);
    expect((refused as RowbackError).code).toBe('connection');
    expect((refused as RowbackError).message).toContain('mariadb://u@127.0.0.1:1/db');
    expect((refused as RowbackError).message).not.toContain('S3cret-pass');
    const noDb = new URL(sides.db.targetUrl);
    noDb.pathname = '/no_such_database_here';
    const missing = await mysqlEngine.connect(noDb.toString()).catch((e: unknown) => e);
    expect((missing as RowbackError).code).toBe('connection');
    expect((missing as RowbackError).message).toContain('does not exist');
  });

  it("pins the target's sql_mode on the source session", async () => {
    const [[mode]] = (await sides.db.target.query('SELECT @@GLOBAL.sql_mode')) as [[string]];
    expect(await sides.target.profile()).toEqual({ sql_mode: mode });
    await sides.db.source.exec('CREATE TABLE pad (c CHAR(5))');
    await sides.db.source.exec("INSERT INTO pad VALUES ('ab')");
    const padded = await mysqlEngine.connect(sides.db.sourceUrl, {
      profile: { sql_mode: 'NOT_A_MODE,PAD_CHAR_TO_FULL_LENGTH,NO_BACKSLASH_ESCAPES' },
    });
    try {
      const schema = await padded.describe({ name: 'pad' });
      const chunks: Buffer[] = [];
      for await (const chunk of padded.read(schema, { columns: ['c'] })) chunks.push(chunk);
      expect(Buffer.concat(chunks).toString()).toBe('ab   \n');
    } finally {
      await padded.close();
    }
  });
});
