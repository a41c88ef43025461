import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapError } from '../../../src/engines/postgres/errors.js';
import { runCli } from '../../harness/cli.js';
import { type Scratch, scratch, tempDir } from '../../harness/index.js';

const run = promisify(execFile);

/** Values in a dump that the target's columns refuse: the source does not fit, it is not a bug. */

let s: Scratch;
let dir: string;

beforeAll(async () => {
  s = await scratch('postgres');
  dir = await tempDir();
  await s.source.exec(
    "CREATE TABLE price (id int PRIMARY KEY, amount numeric(6,3), code text); INSERT INTO price VALUES (1, 1.5, '10'), (2, 2.599, 'x7')",
  );
  await run('pg_dump', ['-d', s.sourceUrl, '-t', 'price', '-f', join(dir, 'price.sql')]);
  await run('pg_dump', ['-d', s.sourceUrl, '-t', 'price', '--data-only', '-f', join(dir, 'data.sql')]);
  // A byte of the COPY block damaged (by hand, by a bad copy): 2.599 reads 2.Z99
  const dump = await readFile(join(dir, 'price.sql'), 'utf8');
  expect(dump).toContain('2\t2.599\tx7\n');
  await writeFile(join(dir, 'garbled.sql'), dump.replace('2\t2.599\tx7\n', '2\t2.Z99\tx7\n'));
});

afterAll(async () => {
  await s?.close();
});

async function restore(from: string) {
  const result = await runCli([
    ...['restore', 'price', '--from', join(dir, from), '--to', s.targetUrl],
    ...['--yes', '--json', '--no-progress', '--state-dir', dir],
  ]);
  const error = result.stdout
    ? (JSON.parse(result.stdout) as { error?: { code: string; message: string; hint?: string } }).error
    : undefined;
  return { code: result.code, error, stderr: result.stderr };
}

const HINT =
  "Check that the source is intact (a dump file: `gzip -t` / `zstd -t` on a compressed one; a plain one may have been edited or cut) and that the target's column types match the source's (a dump without CREATE TABLE is read with the target's types).";

describe('a dump whose values the target refuses', () => {
  it('is a schema mismatch (exit 4) naming the table, the column and the value when a COPY line was garbled; nothing written', async () => {
    await s.target.exec(
      'DROP TABLE IF EXISTS price; CREATE TABLE price (id int PRIMARY KEY, amount numeric(6,3), code text)',
    );
    // Empty target: the rows are copied straight in, inside the transaction
    const direct = await restore('garbled.sql');
    expect(direct.code, direct.stderr).toBe(4);
    expect(direct.error).toEqual({
      code: 'schema-mismatch',
      message:
        'A source value does not fit the target column amount while copying rows into public.price: invalid input syntax for type numeric: "2.Z99"; the transaction was rolled back, nothing was written.',
      hint: HINT,
      details: { sqlstate: '22P02', column: 'amount' },
    });
    expect(await s.dump('target', 'price', ['id'])).toEqual([]);
    // A row in the target: the rows are staged first
    await s.target.exec("INSERT INTO price VALUES (9, 9, 'nine')");
    const staged = await restore('garbled.sql');
    expect(staged.code, staged.stderr).toBe(4);
    expect(staged.error).toMatchObject({
      code: 'schema-mismatch',
      message:
        'A source value does not fit the target column amount while staging rows of public.price: invalid input syntax for type numeric: "2.Z99"; nothing was written.',
      hint: HINT,
    });
    expect(await s.dump('target', 'price', ['id'])).toEqual(['9\t9.000\tnine']);
  });

  it('is a schema mismatch (exit 4) when a data-only dump meets a target whose column type changed', async () => {
    await s.target.exec(
      'DROP TABLE IF EXISTS price; CREATE TABLE price (id int PRIMARY KEY, amount numeric(6,3), code int)',
    );
    await s.target.exec('INSERT INTO price VALUES (1, 1.5, 10)');
    const result = await restore('data.sql');
    expect(result.code, result.stderr).toBe(4);
    expect(result.error).toMatchObject({
      code: 'schema-mismatch',
      message:
        'A source value does not fit the target column code while staging rows of public.price: invalid input syntax for type integer: "x7"; nothing was written.',
      // the core adds what the source warned of, here the very cause
      hint: `${HINT} The source warned: The dump has no CREATE TABLE for public.price: its columns are taken to have the target's types.`,
    });
    expect(await s.dump('target', 'price', ['id'])).toEqual(['1\t1.500\t10']);
  });

  it('stays internal when a data exception comes from a statement that does not carry source rows', async () => {
    const error = await s.target.exec("SELECT 'x'::int").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '22P02' });
    expect(mapError(error, 'classifying the rows of public.price')).toMatchObject({ code: 'internal' });
    expect(mapError(error, 'staging rows of public.price', { sourceRows: true })).toMatchObject({
      code: 'schema-mismatch',
    });
  });
});
