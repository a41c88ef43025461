import { describe, expect, it } from 'vitest';
import { checkSpace, freeBytes } from '../../../src/sources/instance/copy.js';
import { confString, copyCommand } from '../../../src/sources/postgres-pitr/config.js';
import { expandRestoreCommand } from '../../../src/sources/postgres-pitr/restore-command.js';
import { parseSegment, segmentName } from '../../../src/sources/postgres-pitr/wal.js';

const MiB16 = 16 * 1024 * 1024;

describe('WAL segment names', () => {
  it('count across the log boundary the way PostgreSQL names them', () => {
    const last = parseSegment('0000000100000003000000FF', MiB16)!;
    expect(segmentName(1, last.index + 1, MiB16)).toBe('000000010000000400000000');
    const big = parseSegment('000000020000000100000003', 1024 * 1024 * 1024)!;
    expect(segmentName(2, big.index + 1, 1024 * 1024 * 1024)).toBe('000000020000000200000000');
    expect(parseSegment('00000001000000000000000Z', MiB16)).toBeUndefined();
  });
});

describe('the throwaway configuration', () => {
  it('quotes paths for postgresql.conf and the shell, doubling % for restore_command', () => {
    expect(confString("it's")).toBe("'it''s'");
    expect(copyCommand("/arch/it's 100%")).toBe(`cp '/arch/it'\\''s 100%%'/%f "%p"`);
    expect(expandRestoreCommand('wal-g wal-fetch %f "%p" # 100%%', 'F', '/p/F')).toBe(
      'wal-g wal-fetch F "/p/F" # 100%',
    );
  });

  it('refuses a copy that would not fit, before copying, saying what it needs and what is free', () => {
    // A terabyte more than is free: other test files free space while this one runs, so free + 1 could fit.
    const free = freeBytes('/');
    expect(() => checkSpace('the base backup ./base', free + 2 ** 40, '/', 0)).toThrow(
      /Not enough disk space for a private copy of the base backup \.\/base: it needs .* and \/ has .* free\./,
    );
    expect(() => checkSpace('x', 0, '/', 0)).not.toThrow();
  });
});
