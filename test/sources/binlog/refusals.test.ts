import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseAsOf } from '../../../src/core/as-of.js';
import { RowbackError } from '../../../src/core/errors.js';
import type { Source } from '../../../src/core/source.js';
import { openBinlogSource } from '../../../src/sources/binlog/index.js';
import { connectClient } from '../../harness/clients.js';
import { type BinlogDb, binlogDb, nextSecond, serverNow } from './support.js';

async function describeAsOf(
  url: string,
  table: string,
  asOf: string | undefined,
  flags: Record<string, string> = {},
): Promise<Source> {
  const source = await openBinlogSource('binlog', {
    profile: { sql_mode: '' },
    targetEngine: 'mysql',
    targetUrl: url,
    ...(asOf ? { asOf: parseAsOf(asOf) } : {}),
    flags,
  });
  try {
    // What is found before the moment's first event is refused by describe; what the read finds later
    // (rows go out while the binlog is still read) by the row stream, before its end.
    const schema = await source.describe({ name: table }, ['id']);
    for await (const _ of source.read(schema, { columns: schema.columns.map((c) => c.name) })) {
      // drained
    }
    return source;
  } catch (error) {
    await source.close();
    throw error;
  }
}

async function refusal(promise: Promise<unknown>): Promise<RowbackError> {
  const error = await promise.then(
    (source) => {
      void (source as Source | undefined)?.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RowbackError);
  return error as RowbackError;
}

describe('the binlog source refuses what it cannot rebuild, and says what to do', () => {
  let db: BinlogDb;
  let minimal: BinlogDb;
  beforeAll(async () => {
    [db, minimal] = await Promise.all([binlogDb('rows'), binlogDb('minimal')]);
    await db.sql.exec('CREATE TABLE t (id int PRIMARY KEY, v varchar(20)) ENGINE=InnoDB');
    await db.sql.exec("INSERT INTO t VALUES (1, 'one'), (2, 'two')");
  });
  afterAll(async () => {
    await Promise.all([db?.close(), minimal?.close()]);
  });

  test('a moment older than the oldest binlog, naming the oldest moment covered', async () => {
    const error = await refusal(describeAsOf(db.url, 't', '2001-01-01 00:00:00Z'));
    expect(error.code).toBe('not-found');
    expect(error.message).toMatch(
      /the oldest binary log on the server starts at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/,
    );
    expect(error.hint).toMatch(/dump or an instance backup/);
  });

  test('a moment in the future, with the server’s clock', async () => {
    const error = await refusal(describeAsOf(db.url, 't', '2999-01-01 00:00:00Z'));
    expect(error.code).toBe('usage');
    expect(error.message).toMatch(/is in the future: the server's clock reads/);
  });

  test('no moment, or two', async () => {
    expect((await refusal(describeAsOf(db.url, 't', undefined))).message).toMatch(/needs the moment/);
    const both = await refusal(describeAsOf(db.url, 't', '2001-01-01 00:00:00Z', { asOfGtid: '0-1-1' }));
    expect(both.message).toMatch(/Give the moment once/);
  });

  test('rows changed by statements logged as SQL text (not binlog_format=ROW), naming them', async () => {
    await db.sql.exec('CREATE TABLE s (id int PRIMARY KEY, v int) ENGINE=InnoDB');
    await db.sql.exec('INSERT INTO s VALUES (1, 1)');
    const asOf = await nextSecond(db.sql);
    await db.sql.exec("SET SESSION binlog_format = 'STATEMENT'");
    await db.sql.exec('UPDATE s SET v = v + 1');
    await db.sql.exec("SET SESSION binlog_format = 'ROW'");
    const error = await refusal(describeAsOf(db.url, 's', asOf));
    expect(error.code).toBe('unsupported');
    expect(error.message).toMatch(/changed by 1 statement\(s\) logged as SQL text.*UPDATE s SET v = v \+ 1/);
    expect(error.hint).toMatch(/binlog_format=ROW/);
  });

  test('a TRUNCATE since the moment, pointing to a dump or an instance', async () => {
    await db.sql.exec('CREATE TABLE tr (id int PRIMARY KEY) ENGINE=InnoDB');
    await db.sql.exec('INSERT INTO tr VALUES (1), (2)');
    const asOf = await nextSecond(db.sql);
    await db.sql.exec('TRUNCATE TABLE tr');
    const error = await refusal(describeAsOf(db.url, 'tr', asOf));
    expect(error.message).toMatch(/emptied by TRUNCATE or DROP since the moment.*log no rows/);
    expect(error.hint).toMatch(/--from \.\/dump\.sql.*--from mysql:\/\//);
  });

  test('a table renamed since the moment', async () => {
    await db.sql.exec('CREATE TABLE old_name (id int PRIMARY KEY) ENGINE=InnoDB');
    const asOf = await nextSecond(db.sql);
    await db.sql.exec('INSERT INTO old_name VALUES (1)');
    await db.sql.exec('RENAME TABLE old_name TO new_name');
    const error = await refusal(describeAsOf(db.url, 'new_name', asOf));
    expect(error.message).toMatch(/renamed, created or re-created since the moment/);
  });

  test('an ALTER since the moment when the events do not name their columns', async () => {
    await db.sql.exec('CREATE TABLE al (id int PRIMARY KEY, a int, b int) ENGINE=InnoDB');
    await db.sql.exec('INSERT INTO al VALUES (1, 1, 2)');
    const asOf = await nextSecond(db.sql);
    await db.sql.exec('UPDATE al SET a = 5');
    await db.sql.exec('ALTER TABLE al DROP COLUMN a');
    const error = await refusal(describeAsOf(db.url, 'al', asOf));
    expect(error.code).toBe('schema-mismatch');
    expect(error.hint).toMatch(/binlog_row_metadata=FULL/);
  });

  test('rows whose first change since the moment was logged as a MINIMAL image, naming the events', async () => {
    await minimal.sql.exec('CREATE TABLE m (id int PRIMARY KEY, v varchar(20), w int) ENGINE=InnoDB');
    await minimal.sql.exec("INSERT INTO m VALUES (1, 'one', 1), (2, 'two', 2), (3, 'three', 3)");
    const asOf = await nextSecond(minimal.sql);
    await minimal.sql.exec("UPDATE m SET v = 'uno' WHERE id = 1");
    await minimal.sql.exec('DELETE FROM m WHERE id = 2');
    await minimal.sql.exec("INSERT INTO m VALUES (4, 'four', 4)");
    const error = await refusal(describeAsOf(minimal.url, 'm', asOf));
    expect(error.code).toBe('unsupported');
    expect(error.message).toMatch(
      /2 row\(s\) as of the moment are only partly in the binlog: .*logged no v, w .*e\.g\. at binlog\.\d+:\d+, binlog\.\d+:\d+/,
    );
    expect(error.hint).toMatch(/binlog_row_image=FULL/);
  });

  test('a user without the replication privileges', async () => {
    const admin = await connectClient('mysql', db.admin);
    await admin.exec("CREATE USER IF NOT EXISTS 'plain'@'%' IDENTIFIED BY 'secret-pw'");
    await admin.exec(`GRANT SELECT ON \`${db.name}\`.* TO 'plain'@'%'`);
    await admin.close();
    const url = new URL(db.url);
    url.username = 'plain';
    url.password = 'secret-pw';
    const error = await refusal(describeAsOf(url.toString(), 't', await serverNow(db.sql)));
    expect(error.code).toBe('privilege');
    expect(error.hint).toMatch(/REPLICATION SLAVE/);
    expect(`${error.message} ${error.hint}`).not.toContain('secret-pw');
  });
});
