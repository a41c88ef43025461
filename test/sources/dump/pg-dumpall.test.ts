import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres } from '../../../src/servers/postgres.js';
import type { RunningServer } from '../../../src/servers/server.js';
import { runCli } from '../../harness/cli.js';
import { type Scratch, scratch, tempDir } from '../../harness/index.js';

const run = promisify(execFile);

/**
 * A pg_dumpall file holds one database after another, each after its `\connect`: a table of the same
 * name in two of them must never be read from a guessed one. The cluster is a server of its own, so the
 * real pg_dumpall reads only the databases made here.
 */
let server: RunningServer;
let s: Scratch;
let file: string;

async function psql(url: string, sql: string): Promise<void> {
  await run('psql', ['--no-psqlrc', '--quiet', '--set=ON_ERROR_STOP=1', `--dbname=${url}`, '-c', sql]);
}

function database(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

beforeAll(async () => {
  server = await startPostgres();
  s = await scratch('postgres');
  for (const name of ['shop', 'staging']) {
    await psql(server.url, `CREATE DATABASE ${name}`);
    await psql(
      database(server.url, name),
      `CREATE TABLE accounts (id int PRIMARY KEY, plan text); INSERT INTO accounts VALUES (1, '${name} one'), (2, '${name} two')`,
    );
  }
  await psql(
    database(server.url, 'staging'),
    "CREATE TABLE notes (id int PRIMARY KEY, txt text); INSERT INTO notes VALUES (7, 'only in staging')",
  );
  await s.target.exec('CREATE TABLE accounts (id int PRIMARY KEY, plan text)');
  await s.target.exec('CREATE TABLE notes (id int PRIMARY KEY, txt text)');
  file = join(await tempDir(), 'cluster.sql');
  await run('pg_dumpall', [`--dbname=${server.url}`, '-f', file]);
}, 120_000);

afterAll(async () => {
  await s?.close();
  await server?.stop();
});

const restoreArgs = (table: string, ...more: string[]) => [
  'restore',
  table,
  '--from',
  file,
  '--to',
  s.targetUrl,
  '--yes',
  ...more,
];

describe('restoring from a pg_dumpall file', () => {
  it('refuses a table two databases hold, naming them and how to pick one; the target untouched', async () => {
    await s.target.exec("INSERT INTO accounts VALUES (9, 'written since')");
    const result = await runCli(restoreArgs('accounts', '--extra', 'delete'));
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toBe(
      `rowback: ${file} (pg_dumpall) holds public.accounts in 2 databases: shop, staging. rowback will not guess which one to read.\nhint: Name the database to read with --from-database shop.\n`,
    );
    expect(await s.target.query('SELECT id, plan FROM accounts ORDER BY id')).toEqual([
      ['9', 'written since'],
    ]);
    await s.target.exec('TRUNCATE accounts');
  });

  it('reads the database --from-database names, and only it', async () => {
    const result = await runCli(restoreArgs('accounts', '--from-database', 'staging'));
    expect(result.code, result.stderr).toBe(0);
    expect(await s.target.query('SELECT id, plan FROM accounts ORDER BY id')).toEqual([
      ['1', 'staging one'],
      ['2', 'staging two'],
    ]);
    await s.target.exec('TRUNCATE accounts');
  });

  it('reads a table one database holds from it, without --from-database', async () => {
    const result = await runCli(restoreArgs('notes'));
    expect(result.code, result.stderr).toBe(0);
    expect(await s.target.query('SELECT id, txt FROM notes')).toEqual([['7', 'only in staging']]);
    await s.target.exec('TRUNCATE notes');
  });

  it('says which databases hold the table when --from-database names another', async () => {
    const result = await runCli(restoreArgs('accounts', '--from-database', 'postgres'));
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toBe(
      `rowback: ${file} (pg_dumpall) holds no table public.accounts in database postgres.\nhint: It holds public.accounts in shop, staging: --from-database shop.\n`,
    );
    expect(await s.target.query('SELECT count(*) FROM accounts')).toEqual([['0']]);
  });
});
