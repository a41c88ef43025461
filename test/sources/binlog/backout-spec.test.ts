import { describe, expect, test } from 'vitest';
import { RowbackError } from '../../../src/core/errors.js';
import { parseBackout } from '../../../src/sources/binlog/backout-spec.js';

describe('--backout ranges', () => {
  test('a GTID alone is one transaction; GTIDs, positions and times make ranges', () => {
    expect(parseBackout('0-1-4711')).toEqual({
      from: { gtid: '0-1-4711' },
      to: { kind: 'gtid', gtid: '0-1-4711' },
      text: '0-1-4711',
    });
    expect(parseBackout('0-1-4711..0-1-4720').to).toEqual({ kind: 'gtid', gtid: '0-1-4720' });
    expect(parseBackout('binlog.000042:1337..binlog.000043:4')).toMatchObject({
      from: { position: 'binlog.000042:1337' },
      to: { kind: 'position', file: 'binlog.000043', position: 4 },
    });
    const times = parseBackout('2026-11-24 10:14:59+00..2026-11-24 10:15:03Z');
    expect(times.to).toEqual({ kind: 'time', seconds: Date.UTC(2026, 10, 24, 10, 15, 3) / 1000 });
    expect('time' in times.from && times.from.time.utc).toBe('2026-11-24 10:14:59+00');
    expect(parseBackout('3E11FA47-71CA-11E1-9E33-C80AA9429562:23..').to).toEqual({ kind: 'open' });
  });

  test('a date alone is a date, not a MariaDB GTID', () => {
    expect(parseBackout('2026-11-24Z..2026-11-25Z').from).toHaveProperty('time');
  });

  test.each([
    ['2026-11-24 10:14:59Z', /give the range it happened in/],
    ['binlog.000042:1337', /give the range it happened in/],
    ['..0-1-5', /it has no start/],
    ['2026-11-24 10:15:00Z..2026-11-24 10:14:00Z', /ends before it starts/],
    ['binlog.000042:900..binlog.000042:100', /ends before it starts/],
    ['soon..later', /"soon" is not a time, a binlog position \(FILE:POS\) or a GTID/],
  ])('%s is refused as usage, with examples', (text, message) => {
    let error: unknown;
    try {
      parseBackout(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RowbackError);
    expect((error as RowbackError).code).toBe('usage');
    expect((error as RowbackError).message).toMatch(message);
    expect((error as RowbackError).hint).toMatch(/--backout 0-1-4711/);
  });
});

describe('--help teaches --backout', () => {
  test.each(['restore', 'diff'])(
    'rowback %s --help: the flag, the range forms and the conflicts',
    async (command) => {
      const { runCli } = await import('../../harness/cli.js');
      const run = await runCli([command, '--help'], { timeoutMs: 30_000 });
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/--backout <range>/);
      expect(run.stdout).toMatch(/--conflicts <policy>/);
      expect(run.stdout).toMatch(/--backout 0-1-4711\.\.0-1-4720/);
      expect(run.stdout).toMatch(/--backout binlog\.000042:1337\.\.binlog\.000042:2210/);
      expect(run.stdout).toMatch(/before \/ accident \/ now/);
    },
    60_000,
  );
});
