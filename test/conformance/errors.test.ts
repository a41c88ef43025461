import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { EXIT_CODES, restore } from '../../src/index.js';
import { type EngineName, type Scratch, tempDir } from '../harness/index.js';
import { ACCOUNTS } from './scenarios-policies.js';
import {
  cli,
  describeRun,
  execAll,
  prepareScenario,
  SCENARIO_ENGINES,
  TIMEOUT,
  withScratch,
} from './support.js';
import { sharedTable } from './text.js';

/** The policy dataset, then a CLI run that must fail: exit code, message, and the target untouched. */
async function expectFailure(
  engine: EngineName,
  args: (s: Scratch) => string[],
  expected: {
    exit: number;
    code: string;
    stderr?: RegExp;
    absent?: string;
    /** A file the run must not have created. */
    noFile?: (s: Scratch) => string;
  },
  tweak?: (s: Scratch) => Promise<void>,
): Promise<void> {
  await withScratch(engine, async (s) => {
    await prepareScenario(s, ACCOUNTS);
    await tweak?.(s);
    const before = await s.dump('target', 'accounts', ['id']);
    const result = await cli([...args(s), '--yes', '--json', '--state-dir', await tempDir()]);
    expect(result.code, describeRun(result)).toBe(expected.exit);
    // a user error is a message, not a stack trace
    expect(result.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    if (expected.stderr) expect(result.stderr).toMatch(expected.stderr);
    if (expected.absent) expect(result.stdout + result.stderr).not.toContain(expected.absent);
    // with --json a failure may print a JSON error object; if it does, it carries the stable code
    if (result.json) expect(JSON.stringify(result.json)).toContain(`"${expected.code}"`);
    expect(await s.dump('target', 'accounts', ['id'])).toEqual(before);
    if (expected.noFile) expect(existsSync(expected.noFile(s))).toBe(false);
  });
}

/** How each engine changes a column's type since the source's moment (SQLite only by making the table again). */
const RETYPE: Record<EngineName, string> = {
  postgres: 'ALTER TABLE accounts ALTER COLUMN region TYPE varchar(2)',
  mysql: 'ALTER TABLE accounts MODIFY region varchar(5)',
  sqlite: `ALTER TABLE accounts RENAME TO accounts_before;
    CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, balance text, region int);
    INSERT INTO accounts SELECT * FROM accounts_before; DROP TABLE accounts_before`,
};

/** A database file path beside `path` that does not exist. */
function missingBeside(path: string): string {
  return join(dirname(path), 'missing.db');
}

function restoreTo(table: string, where?: string): (s: Scratch) => string[] {
  return (s) => [
    'restore',
    table,
    '--from',
    s.sourceUrl,
    '--to',
    s.targetUrl,
    ...(where ? ['--where', where] : []),
  ];
}

describe.each(SCENARIO_ENGINES)(
  'bad input is refused with a clear message and the target unchanged on %s',
  (engine) => {
    test(
      'an unknown table exits 3 and suggests the nearest name',
      () =>
        expectFailure(engine, restoreTo('acounts'), {
          exit: 3,
          code: 'table-not-found',
          stderr: /hint: Did you mean accounts\?/,
        }),
      TIMEOUT,
    );

    test(
      'a column retyped since is a schema mismatch naming the column',
      () =>
        expectFailure(
          engine,
          restoreTo('accounts'),
          { exit: EXIT_CODES['schema-mismatch'], code: 'schema-mismatch', stderr: /region/ },
          (s) => s.target.exec(RETYPE[engine]),
        ),
      TIMEOUT,
    );

    test(
      '--where that is not a boolean filter exits 2',
      () =>
        expectFailure(
          engine,
          restoreTo('accounts', engine === 'postgres' ? 'id + 1' : 'no_such_column = 1'),
          {
            exit: 2,
            code: 'bad-where',
          },
        ),
      TIMEOUT,
    );

    test(
      '--where with a second statement exits 2 and runs nothing',
      () =>
        expectFailure(engine, restoreTo('accounts', 'id = 1; DELETE FROM accounts'), {
          exit: 2,
          code: 'bad-where',
          stderr: /;/,
        }),
      TIMEOUT,
    );

    // A SQLite database is a file opened by its path: no password, no host. What stands in for them is a
    // file that is not there, on either side.
    if (engine === 'sqlite') {
      test(
        'SQLite has no password or host: a target file that is not there exits 5, and no file is created',
        () =>
          expectFailure(
            engine,
            (s) => ['restore', 'accounts', '--from', s.sourceUrl, '--to', missingBeside(s.targetUrl)],
            {
              exit: 5,
              code: 'connection',
              stderr: /There is no database file at .*missing\.db/,
              noFile: (s) => missingBeside(s.targetUrl),
            },
          ),
        TIMEOUT,
      );

      test(
        'SQLite has no host to reach: a source file that is not there exits 3, naming it as no file',
        () =>
          expectFailure(
            engine,
            (s) => ['restore', 'accounts', '--from', missingBeside(s.sourceUrl), '--to', s.targetUrl],
            { exit: 3, code: 'not-found', stderr: /There is no file .*missing\.db/ },
          ),
        TIMEOUT,
      );
    } else {
      test(
        'a wrong password exits 5 and the password appears nowhere in the output',
        () =>
          expectFailure(
            engine,
            (s) => {
              const url = new URL(s.targetUrl);
              url.username = 'rowback_nobody';
              url.password = 'Sekr3t-pw-42';
              return ['restore', 'accounts', '--from', s.sourceUrl, '--to', url.toString()];
            },
            { exit: 5, code: 'connection', absent: 'Sekr3t-pw-42' },
          ),
        TIMEOUT,
      );

      test(
        'an unreachable host exits 5',
        () =>
          expectFailure(
            engine,
            (s) => {
              const url = new URL(s.sourceUrl);
              url.hostname = '127.0.0.1';
              url.port = '1';
              return ['restore', 'accounts', '--from', url.toString(), '--to', s.targetUrl];
            },
            { exit: 5, code: 'connection', stderr: /127\.0\.0\.1/ },
          ),
        TIMEOUT,
      );
    }

    test(
      'a table with no key exits 3 unless --key is given',
      async () => {
        await withScratch(engine, async (s) => {
          for (const client of [s.source, s.target]) {
            await execAll(client, sharedTable('CREATE TABLE nokey (a int NOT NULL, b varchar(10))'), engine);
          }
          await s.source.exec(`INSERT INTO nokey VALUES (1, 'x')`);
          const args = ['restore', 'nokey', '--from', s.sourceUrl, '--to', s.targetUrl, '--yes', '--json'];
          const result = await cli([...args, '--state-dir', await tempDir()]);
          expect(result.code, describeRun(result)).toBe(3);
          expect(result.stderr).toMatch(/--key/);
          expect(await s.dump('target', 'nokey', ['a'])).toEqual([]);
          await expect(
            restore({ table: 'nokey', from: s.sourceUrl, to: s.targetUrl, stateDir: await tempDir() }),
          ).rejects.toMatchObject({ code: 'no-key' });
        });
      },
      TIMEOUT,
    );
  },
);
