import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { isSourceRestart } from '../../../src/core/source.js';
import { GrowingFile } from '../../../src/sources/binlog/growing-file.js';
import { tempDir } from '../../harness/index.js';

/** Next chunk of a tail, as text. */
async function next(rows: AsyncIterator<Buffer>): Promise<string | undefined> {
  const got = await rows.next();
  return got.done ? undefined : got.value.toString('utf8');
}

describe('rows read while the binlog is still read (GrowingFile)', () => {
  test('a tail yields whole lines as they are written and ends when the file is done', async () => {
    const path = join(await tempDir(), 'rows');
    writeFileSync(path, '');
    const file = new GrowingFile(path);
    const rows = file.tail()[Symbol.asyncIterator]();
    const first = next(rows);
    appendFileSync(path, '1\tone\n2\ttw');
    file.grew(10);
    expect(await first).toBe('1\tone\n');
    const second = next(rows);
    appendFileSync(path, 'o\n');
    file.done(12);
    expect(await second).toBe('2\ttwo\n');
    expect(await next(rows)).toBeUndefined();
  });

  test('rows abandoned after some were yielded: the tail throws SourceRestart; a fresh tail reads the replacement', async () => {
    const dir = await tempDir();
    const path = join(dir, 'rows');
    writeFileSync(path, '1\tone\n');
    const file = new GrowingFile(path);
    const taken = file.tail()[Symbol.asyncIterator]();
    const untouched = file.tail()[Symbol.asyncIterator]();
    file.grew(6);
    expect(await next(taken)).toBe('1\tone\n');
    file.abandon();
    const failed = taken.next().then(
      () => undefined,
      (error: unknown) => error,
    );
    const waiting = next(untouched);
    writeFileSync(join(dir, 'again'), '1\tuno\n');
    file.replace(join(dir, 'again'), 6);
    expect(isSourceRestart(await failed)).toBe(true);
    // The tail that had sent nothing reads the replacement whole, never the abandoned rows.
    expect(await waiting).toBe('1\tuno\n');
    expect(await next(untouched)).toBeUndefined();
    expect(await next(file.tail()[Symbol.asyncIterator]())).toBe('1\tuno\n');
  });

  test('a read that fails fails every tail, also one waiting for rows', async () => {
    const path = join(await tempDir(), 'rows');
    writeFileSync(path, '');
    const file = new GrowingFile(path);
    const waiting = next(file.tail()[Symbol.asyncIterator]()).catch((e: unknown) => e);
    file.fail(new Error('purged while reading'));
    expect(((await waiting) as Error).message).toBe('purged while reading');
  });
});
