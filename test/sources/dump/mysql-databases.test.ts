import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restore } from '../../../src/index.js';
import { startMariaDb } from '../../../src/servers/mariadb.js';
import type { RunningServer } from '../../../src/servers/server.js';
import { connectClient } from '../../harness/clients.js';
import { runCli, type Scratch, type SqlClient, scratch, tempDir } from '../../harness/index.js';

const run = promisify(execFile);

/** mariadb-dump's connection flags for a scratch URL. */
function flags(url: string): string {
  const u = new URL(url);
  return `-h ${u.hostname} -P ${u.port || 3306} -u ${decodeURIComponent(u.username)}`;
}

let s: Scratch;
let dir: string;
let db: string;
let strict: RunningServer;
let strictUrl: string;
let strictClient: SqlClient;

const EVENTS = 'CREATE TABLE ev (id int PRIMARY KEY, d date NULL, dt datetime NULL, note varchar(10))';

beforeAll(async () => {
  [s, strict] = await Promise.all([
    scratch('mysql'),
    // A target as MySQL 8 sets one up by default: strict, and no zero dates.
    startMariaDb({
      settings: { 'sql-mode': 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,NO_ENGINE_SUBSTITUTION' },
    }),
  ]);
  dir = await tempDir();
  db = new URL(s.sourceUrl).pathname.slice(1);
  // the source server allows zero dates (its sql_mode has no NO_ZERO_DATE)
  await s.source.exec(`${EVENTS}; INSERT INTO ev VALUES
    (1, '2024-01-01', '2024-01-01 10:00:00', 'a'),
    (2, '0000-00-00', '2024-02-01 00:00:00', 'zero'),
    (3, '2024-03-01', '0000-00-00 00:00:00', 'zero dt'),
    (4, '2024-00-10', NULL, 'zero in')`);
  for (const other of ['a', 'b']) {
    await s.source.exec(`CREATE DATABASE \`${db}_${other}\``);
    await s.source.exec(`CREATE TABLE \`${db}_${other}\`.account (id int PRIMARY KEY, name varchar(20))`);
    await s.source.exec(
      `INSERT INTO \`${db}_${other}\`.account VALUES (1, '${other}-one'), (2, '${other}-two')`,
    );
  }
  await s.source.exec(
    `CREATE TABLE \`${db}_a\`.only_a (id int PRIMARY KEY, v int); INSERT INTO \`${db}_a\`.only_a VALUES (7, 7)`,
  );
  const dump = (args: string, file: string) =>
    run('bash', ['-o', 'pipefail', '-c', `mariadb-dump ${flags(s.sourceUrl)} ${args} > ${join(dir, file)}`]);
  await dump(`${db} ev`, 'ev.sql');
  await dump(`--databases ${db}_a ${db}_b`, 'two.sql');
  strictUrl = `${strict.url}app`;
  const admin = await connectClient('mysql', strict.url);
  await admin.exec('CREATE DATABASE app');
  await admin.close();
  strictClient = await connectClient('mysql', strictUrl);
}, 180_000);

afterAll(async () => {
  await strictClient?.close();
  for (const other of ['a', 'b']) await s?.source.exec(`DROP DATABASE IF EXISTS \`${db}_${other}\``);
  await s?.close();
  await strict?.stop();
});

describe('a mariadb-dump of several databases', () => {
  it('refuses a table two of its databases hold, naming them and how to pick one (exit 2)', async () => {
    await s.target.exec('CREATE TABLE account (id int PRIMARY KEY, name varchar(20))');
    const file = join(dir, 'two.sql');
    const result = await runCli([
      'restore',
      'account',
      '--from',
      file,
      '--to',
      s.targetUrl,
      '--yes',
      '--json',
    ]);
    expect(result.code).toBe(2);
    const error = JSON.parse(result.stdout).error as { code: string; message: string; hint: string };
    expect(error.code).toBe('usage');
    expect(error.message).toBe(
      `${file} holds a table account in 2 databases: ${db}_a, ${db}_b. rowback will not guess which one to read.`,
    );
    expect(error.hint).toBe(
      `Name the database to read with --from-database ${db}_a (or --from-table ${db}_a.account).`,
    );
    expect(await s.dump('target', 'account', ['id'])).toEqual([]);
  });

  it('reads the database named with --from-database, or the only one holding the table', async () => {
    const file = join(dir, 'two.sql');
    const picked = await runCli([
      'restore',
      'account',
      '--from',
      file,
      '--from-database',
      `${db}_b`,
      '--to',
      s.targetUrl,
      '--yes',
      '--json',
    ]);
    expect(picked.code).toBe(0);
    expect(await s.dump('target', 'account', ['id'])).toEqual(['1\tb-one', '2\tb-two']);

    await s.target.exec('CREATE TABLE only_a (id int PRIMARY KEY, v int)');
    const report = await restore({ table: 'only_a', from: file, to: s.targetUrl, stateDir: dir });
    expect(report.plan.missing).toBe(1);
    expect(await s.dump('target', 'only_a', ['id'])).toEqual(['7\t7']);

    const missing = await runCli([
      'restore',
      'only_a',
      '--from',
      file,
      '--from-database',
      `${db}_b`,
      '--to',
      s.targetUrl,
      '--yes',
      '--json',
    ]);
    expect(missing.code).toBe(3);
    expect(JSON.parse(missing.stdout).error.message).toBe(`There is no table ${db}_b.only_a in ${file}.`);
  });
});

describe('zero dates in a mariadb-dump', () => {
  it('are restored exactly into a target whose sql_mode accepts them', async () => {
    await s.target.exec(EVENTS);
    const report = await restore({ table: 'ev', from: join(dir, 'ev.sql'), to: s.targetUrl, stateDir: dir });
    expect(report.outcome).toBe('applied');
    expect(await s.dump('target', 'ev', ['id'])).toEqual(await s.dump('source', 'ev', ['id']));
  });

  it('are refused before anything is written into a target whose sql_mode rejects them, naming column and key', async () => {
    await strictClient.exec(`${EVENTS}; INSERT INTO ev VALUES (1, '2024-01-01', '2024-01-01 10:00:00', 'a')`);
    const result = await runCli([
      'restore',
      'ev',
      '--from',
      join(dir, 'ev.sql'),
      '--to',
      strictUrl,
      '--yes',
      '--json',
    ]);
    const error = JSON.parse(result.stdout).error as { code: string; message: string; hint: string };
    expect(result.code).toBe(4);
    expect(error.code).toBe('schema-mismatch');
    expect(error.message).toBe(
      "The dump holds 3 dates of ev that the target's sql_mode (NO_ZERO_DATE, NO_ZERO_IN_DATE) refuses: d '0000-00-00' at id=2; dt '0000-00-00 00:00:00' at id=3; d '2024-00-10' at id=4. Nothing was written.",
    );
    expect(error.hint).toBe(
      "rowback writes values exactly, and the target refuses these zero dates (its application cannot write them either). To restore them as they were, let the target take them for the restore (SET GLOBAL sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'), or change them in a copy of the dump.",
    );
    expect(await strictClient.query('SELECT id, d, dt, note FROM ev ORDER BY id')).toEqual([
      ['1', '2024-01-01', '2024-01-01 10:00:00', 'a'],
    ]);
    // into the emptied table too, where rows would go straight in
    await strictClient.exec('DELETE FROM ev');
    const direct = await runCli([
      'restore',
      'ev',
      '--from',
      join(dir, 'ev.sql'),
      '--to',
      strictUrl,
      '--yes',
      '--json',
    ]);
    expect(direct.code).toBe(4);
    expect(JSON.parse(direct.stdout).error.message).toMatch(/^The dump holds 3 dates of ev that/);
    expect(await strictClient.query('SELECT id FROM ev')).toEqual([]);
  });
});
