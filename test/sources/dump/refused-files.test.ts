import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../harness/cli.js';
import { type Scratch, scratch, tempDir } from '../../harness/index.js';

/** Files given to --from that are not dumps rowback can read: each refused by name, the target untouched. */

let s: Scratch;
let dir: string;

beforeAll(async () => {
  s = await scratch('postgres');
  dir = await tempDir();
  await s.target.exec(
    "CREATE TABLE account (id int PRIMARY KEY, name text); INSERT INTO account VALUES (1, 'one')",
  );
});

afterAll(async () => {
  await s?.close();
});

/** Runs `rowback <command> account --from <from> --to <target>` with --json; its exit code and error. */
async function run(command: 'restore' | 'diff', from: string, input?: string) {
  const args = [command, 'account', '--from', from, '--to', s.targetUrl, '--json', '--no-progress'];
  const result = await runCli(
    [...args, ...(command === 'restore' ? ['--yes', '--state-dir', dir] : [])],
    input === undefined ? {} : { input },
  );
  const error = result.stdout
    ? (JSON.parse(result.stdout) as { error?: Record<string, string> }).error
    : undefined;
  return { code: result.code, error, stderr: result.stderr };
}

describe('a --from file that holds nothing to read', () => {
  it('is refused as empty (exit 2), not a crash, when it is empty, a gzip of nothing or shorter than a magic number', async () => {
    await writeFile(join(dir, 'empty.sql'), '');
    await writeFile(join(dir, 'nothing.sql.gz'), gzipSync(Buffer.alloc(0)));
    await writeFile(join(dir, 'short.sql'), 'ab\n');
    const cases = [
      ['empty.sql', /empty\.sql is empty; it is not a dump\./],
      ['nothing.sql.gz', /nothing\.sql\.gz is empty: it is a gzip file holding nothing; it is not a dump\./],
      ['short.sql', /short\.sql does not look like a dump rowback can read\./],
    ] as const;
    for (const command of ['restore', 'diff'] as const) {
      for (const [file, message] of cases) {
        const result = await run(command, join(dir, file));
        expect(result.code, `${command} ${file}: ${result.stderr}`).toBe(2);
        expect(result.error?.code).toBe('usage');
        expect(result.error?.message).toMatch(message);
      }
    }
    expect(await s.dump('target', 'account', ['id'])).toEqual(['1\tone']);
  });
});
