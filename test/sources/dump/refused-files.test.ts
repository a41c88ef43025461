import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_PATH, runCli } from '../../harness/cli.js';
import { type Scratch, scratch, tempDir } from '../../harness/index.js';

/** Files given to --from that are not dumps rowback can read: each refused by name, the target untouched. */

const run = promisify(execFile);

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
async function rowback(command: 'restore' | 'diff', from: string) {
  const args = [command, 'account', '--from', from, '--to', s.targetUrl, '--json', '--no-progress'];
  const result = await runCli([...args, ...(command === 'restore' ? ['--yes', '--state-dir', dir] : [])]);
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
        const result = await rowback(command, join(dir, file));
        expect(result.code, `${command} ${file}: ${result.stderr}`).toBe(2);
        expect(result.error?.code).toBe('usage');
        expect(result.error?.message).toMatch(message);
      }
    }
    expect(await s.dump('target', 'account', ['id'])).toEqual(['1\tone']);
  });
});

/** Runs the CLI from bash, whose pipes are real ones (`cat x.sql | rowback … --from /dev/stdin`); its exit code and error. */
async function inBash(command: 'restore' | 'diff', pipeline: string) {
  const cli = `'${process.execPath}' '${CLI_PATH}' ${command} account --to '${s.targetUrl}' --json --no-progress`;
  const extra = command === 'restore' ? ` --yes --state-dir '${dir}'` : '';
  const script = pipeline.replace('ROWBACK', cli + extra);
  const result = await run('bash', ['-c', script], { cwd: dir }).then(
    (done) => ({ code: 0, ...done }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
  const error = result.stdout
    ? (JSON.parse(result.stdout) as { error?: Record<string, string> }).error
    : undefined;
  return { code: result.code, error, stderr: result.stderr };
}

describe('a --from that is a pipe', () => {
  it('is refused by name as not a regular file (exit 2), not a crash on seeking it', async () => {
    await writeFile(
      join(dir, 'dump.sql'),
      '--\n-- PostgreSQL database dump\n--\nCOPY public.account (id, name) FROM stdin;\n2\ttwo\n\\.\n',
    );
    for (const command of ['restore', 'diff'] as const) {
      for (const [pipeline, name] of [
        ['cat dump.sql | ROWBACK --from /dev/stdin', '/dev/stdin'],
        ['ROWBACK --from <(cat dump.sql)', '/dev/fd/'],
      ] as const) {
        const result = await inBash(command, pipeline);
        expect(result.code, result.stderr).toBe(2);
        expect(result.error?.code).toBe('usage');
        expect(result.error?.message).toContain(
          ' is a pipe, not a regular file: rowback reads a dump more than once (to find the table, then its rows), so it cannot read one from a pipe.',
        );
        expect(result.error?.message?.startsWith(name)).toBe(true);
        expect(result.error?.hint).toMatch(/^Save it to a file first/);
      }
    }
    expect(await s.dump('target', 'account', ['id'])).toEqual(['1\tone']);
  });
});

describe('a --from file that does not exist', () => {
  it('is not-found (exit 3) naming the file when it looks like a path, and a bare word keeps the general message', async () => {
    for (const command of ['restore', 'diff'] as const) {
      for (const from of ['./backup-typo.sql', 'backup-typo.sql.gz', 'dumps/nightly', '.\\nightly']) {
        const result = await rowback(command, from);
        expect(result.code, `${command} ${from}: ${result.stderr}`).toBe(3);
        expect(result.error).toMatchObject({ code: 'not-found', message: `There is no file ${from}.` });
      }
      const bare = await rowback(command, 'nightly');
      expect(bare.code).toBe(2);
      expect(bare.error).toMatchObject({
        code: 'usage',
        message: 'rowback cannot read "nightly" as a source: it is neither a connection URL nor a file.',
      });
    }
    expect(await s.dump('target', 'account', ['id'])).toEqual(['1\tone']);
  });
});

describe('a --from file compressed with LZ4', () => {
  it('is refused as unsupported (exit 4) saying what to do, not read as a dump holding no table', async () => {
    // An LZ4 frame's magic, then the dump's first lines as an LZ4 frame keeps short literals
    const frame = Buffer.concat([
      Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x64, 0x40, 0xa7, 0x6f, 0x00, 0x00, 0x80]),
      Buffer.from('--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\n'),
    ]);
    await writeFile(join(dir, 'dump.sql.lz4'), frame);
    for (const command of ['restore', 'diff'] as const) {
      const result = await rowback(command, join(dir, 'dump.sql.lz4'));
      expect(result.code, result.stderr).toBe(4);
      expect(result.error).toMatchObject({
        code: 'unsupported',
        message: `${join(dir, 'dump.sql.lz4')} is compressed with LZ4, which rowback cannot read yet.`,
        hint: 'Decompress it first (`lz4 -d`), or write the dump again with -Z gzip or -Z zstd.',
      });
    }
    expect(await s.dump('target', 'account', ['id'])).toEqual(['1\tone']);
  });
});
