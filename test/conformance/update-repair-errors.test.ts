import { describe, expect, test } from 'vitest';
import { EXIT_CODES } from '../../src/index.js';
import { type Scratch, tempDir } from '../harness/index.js';
import { forEngine, type PerEngine } from './scenarios.js';
import { AFTER_ACCIDENT, ORDER_BY, UPDATE_ACCIDENT, UPDATE_DDL, UPDATE_SEED } from './scenarios-update.js';
import { cli, describeRun, prepareScenario, SCENARIO_ENGINES, TIMEOUT, withScratch } from './support.js';

interface Refusal {
  flags: string[];
  exit: number;
  code: string;
  message: RegExp;
  /** Run on the target before rowback (a column the source lacks). */
  tweak?: PerEngine<string>;
}

const REFUSALS: [string, Refusal][] = [
  [
    'a --columns name the target lacks (named, with the columns it has)',
    {
      flags: ['--columns', 'plan,plna'],
      exit: 2,
      code: 'usage',
      message: /--columns names "plna".*hint: Its columns are: id, owner, plan, seats/s,
    },
  ],
  [
    'a --columns name the source lacks (named, and the side)',
    {
      flags: ['--columns', 'plan,note'],
      exit: 4,
      code: 'schema-mismatch',
      message: /--columns names "note", which the source cannot give/,
      tweak: 'ALTER TABLE accounts ADD COLUMN note varchar(10)',
    },
  ],
  [
    'a --columns name that is a generated column',
    {
      flags: ['--columns', 'plan,double_seats'],
      exit: 2,
      code: 'usage',
      message: /--columns names "double_seats", which .*accounts computes itself/,
      tweak: {
        postgres: 'ALTER TABLE accounts ADD COLUMN double_seats int GENERATED ALWAYS AS (seats * 2) STORED',
        mysql: 'ALTER TABLE accounts ADD COLUMN double_seats int AS (seats * 2) STORED',
        sqlite: 'ALTER TABLE accounts ADD COLUMN double_seats int AS (seats * 2) VIRTUAL',
      },
    },
  ],
  [
    '--columns naming the key',
    {
      flags: ['--columns', 'id,plan'],
      exit: 2,
      code: 'usage',
      message: /--columns names the key column "id"/,
    },
  ],
  [
    '--columns with --extra delete',
    {
      flags: ['--columns', 'plan', '--extra', 'delete'],
      exit: 2,
      code: 'usage',
      message: /cannot be combined with --extra delete/,
    },
  ],
  [
    'a --target-where naming no column of the table',
    {
      flags: ['--target-where', "plann = 'free'"],
      exit: 2,
      code: 'bad-where',
      message: /--target-where "plann = 'free'"/,
    },
  ],
  [
    'a --target-where that is not one expression',
    {
      flags: ['--target-where', "plan = 'free') OR (1 = 1"],
      exit: 2,
      code: 'bad-where',
      message: /--target-where .* is not a single boolean expression/,
    },
  ],
  [
    'an empty --target-where',
    { flags: ['--target-where', ' '], exit: 2, code: 'bad-where', message: /--target-where is empty/ },
  ],
];

function accident(s: Scratch): Promise<void> {
  return prepareScenario(s, { ddl: UPDATE_DDL, seed: UPDATE_SEED, accident: UPDATE_ACCIDENT });
}

describe.each(SCENARIO_ENGINES)('column repairs refused on %s, nothing written', (engine) => {
  test.each(REFUSALS)(
    '%s',
    async (_what, refusal) => {
      await withScratch(engine, async (s) => {
        await accident(s);
        if (refusal.tweak) await s.target.exec(forEngine(refusal.tweak, engine));
        const before = await s.dump('target', 'accounts', ORDER_BY);
        if (!refusal.tweak) expect(before).toEqual(AFTER_ACCIDENT);
        const dir = await tempDir();
        const args = ['restore', 'accounts', '--from', s.sourceUrl, '--to', s.targetUrl, '--state-dir', dir];
        const result = await cli([...args, ...refusal.flags, '--yes', '--json']);
        expect(result.code, describeRun(result)).toBe(refusal.exit);
        expect(EXIT_CODES[refusal.code as keyof typeof EXIT_CODES]).toBe(refusal.exit);
        expect((result.json?.error as { code?: string } | undefined)?.code ?? result.stderr).toContain(
          refusal.code,
        );
        expect(result.stderr).toMatch(refusal.message);
        expect(result.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
        expect(await s.dump('target', 'accounts', ORDER_BY)).toEqual(before);
      });
    },
    TIMEOUT,
  );

  test(
    'diff says the same of a bad --target-where',
    async () => {
      await withScratch(engine, async (s) => {
        await accident(s);
        const args = ['diff', 'accounts', '--from', s.sourceUrl, '--to', s.targetUrl, '--json'];
        const result = await cli([
          ...args,
          '--target-where',
          'no_such_column > 1',
          '--state-dir',
          await tempDir(),
        ]);
        expect(result.code, describeRun(result)).toBe(2);
        expect(result.stderr).toMatch(/--target-where "no_such_column > 1"/);
      });
    },
    TIMEOUT,
  );
});
