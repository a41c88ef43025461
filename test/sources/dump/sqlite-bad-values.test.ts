import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../harness/cli.js';
import { type Scratch, scratch, tempDir } from '../../harness/index.js';

/** A `sqlite3 .dump --data-only` whose values a STRICT target refuses: the source does not fit, not a bug. */

let s: Scratch;
let dir: string;

beforeAll(async () => {
  s = await scratch('sqlite');
  dir = await tempDir();
  await writeFile(
    join(dir, 'data.sql'),
    "INSERT INTO price VALUES(1,'10');\nINSERT INTO price VALUES(2,'x7');\n",
  );
});

afterAll(async () => {
  await s?.close();
});

async function restore() {
  const result = await runCli([
    ...['restore', 'price', '--from', join(dir, 'data.sql'), '--to', s.targetUrl],
    ...['--yes', '--json', '--no-progress', '--state-dir', dir],
  ]);
  const error = result.stdout
    ? (JSON.parse(result.stdout) as { error?: { code: string; message: string; hint?: string } }).error
    : undefined;
  return { code: result.code, error, stderr: result.stderr };
}

describe('a SQLite dump whose values a STRICT target refuses', () => {
  it('is a schema mismatch (exit 4) naming the table and column, copied or staged; nothing written', async () => {
    await s.target.exec('CREATE TABLE price (id INTEGER PRIMARY KEY, code INTEGER) STRICT');
    const direct = await restore();
    expect(direct.code, direct.stderr).toBe(4);
    expect(direct.error).toMatchObject({
      code: 'schema-mismatch',
      message:
        'A source value does not fit the target column code while copying rows into main.price: cannot store TEXT value in INTEGER column price.code; the transaction was rolled back, nothing was written.',
    });
    expect(direct.error?.hint).toMatch(
      /^Check that the source is intact .* and that the target's column types match/,
    );
    expect(await s.dump('target', 'price', ['id'])).toEqual([]);
    await s.target.exec('INSERT INTO price VALUES (9, 9)');
    const staged = await restore();
    expect(staged.code, staged.stderr).toBe(4);
    expect(staged.error).toMatchObject({ code: 'schema-mismatch' });
    expect(staged.error?.message).toMatch(
      /^A source value does not fit the target column code while staging rows of main\.price: cannot store TEXT value in INTEGER column \S+\.code; nothing was written\.$/,
    );
    expect(await s.dump('target', 'price', ['id'])).toEqual(['9\t9']);
  });
});
