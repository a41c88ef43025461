import { describe, expect, test } from 'vitest';
import { type DiffOptions, type DiffReport, diff, type PlanCounts, RowbackError } from '../../src/index.js';
import { type ServerEngine, scratch, tempDir } from '../harness/index.js';

/**
 * The merge diff matches keys as the target's key does (what the staged plan's join does), and orders them
 * so both sides agree, whatever the type: each case runs both paths and wants the same plan and examples.
 */
interface KeyCase {
  name: string;
  ddl: string[];
  /** The past state, on both sides. */
  seed: string[];
  /** Run on the target afterwards. */
  accident: string[];
  plan: PlanCounts;
  where?: string;
  key?: string[];
}

const plan = (missing: number, changed: number, extra: number, same: number): PlanCounts => ({
  missing,
  changed,
  extra,
  same,
});

const POSTGRES: KeyCase[] = [
  {
    name: 'integer keys whose text sorts apart from their value: signs, digit counts, beyond 2^53',
    ddl: ['CREATE TABLE k (id bigint PRIMARY KEY, v text)'],
    seed: [
      `INSERT INTO k VALUES (-100, 'a'), (-20, 'b'), (-3, 'c'), (0, 'd'), (5, 'e'), (9, 'f'), (10, 'g'),
       (11, 'h'), (100, 'i'), (9007199254740993, 'j'), (-9223372036854775808, 'k'), (9223372036854775807, 'l')`,
    ],
    accident: [
      'DELETE FROM k WHERE id IN (-20, 9, 100, 9223372036854775807)',
      `UPDATE k SET v = 'changed' WHERE id IN (-100, 10, 9007199254740993)`,
      `INSERT INTO k VALUES (-7, 'new'), (99, 'new'), (1000, 'new')`,
    ],
    plan: plan(4, 3, 3, 5),
  },
  {
    name: 'numeric keys 1.0 and 1.00 are one key (numeric equality), changed because their text differs',
    ddl: ['CREATE TABLE k (id numeric PRIMARY KEY, v text)'],
    seed: [`INSERT INTO k VALUES (1.0, 'a'), (2.50, 'b'), (10, 'c'), (-0.5, 'd'), ('NaN', 'e')`],
    accident: [
      'UPDATE k SET id = 1.00 WHERE id = 1',
      'UPDATE k SET id = 2.5 WHERE id = 2.5',
      'UPDATE k SET id = 10.000 WHERE id = 10',
    ],
    plan: plan(0, 3, 0, 2),
  },
  {
    name: 'float keys -0 and 0 are one key, changed because their text differs',
    ddl: ['CREATE TABLE k (id float8 PRIMARY KEY, v text)'],
    seed: [`INSERT INTO k VALUES ('-0', 'a'), (0.1, 'b'), ('-Infinity', 'c'), ('NaN', 'd'), (1e300, 'e')`],
    accident: [`UPDATE k SET id = 0 WHERE id = 0`],
    plan: plan(0, 1, 0, 4),
  },
  {
    name: 'text keys ordered by bytes whatever the collations of the two servers say',
    ddl: ['CREATE TABLE k (id text PRIMARY KEY, v int)'],
    seed: [
      `INSERT INTO k VALUES ('a', 1), ('B', 2), ('é', 3), ('Z', 4), ('ä', 5), ('a b', 6), ('ab', 7), ('', 8)`,
    ],
    accident: [
      `DELETE FROM k WHERE id IN ('B', 'ä')`,
      `UPDATE k SET v = 0 WHERE id IN ('Z', '')`,
      `INSERT INTO k VALUES ('b', 9), ('Ä', 10)`,
    ],
    plan: plan(2, 2, 2, 4),
  },
  {
    name: "citext keys match case-insensitively, as citext's equality does",
    ddl: ['CREATE EXTENSION IF NOT EXISTS citext', 'CREATE TABLE k (email citext PRIMARY KEY, v int)'],
    seed: [`INSERT INTO k VALUES ('Alice@example.com', 1), ('bob@example.com', 2), ('carol@example.com', 3)`],
    accident: [
      `UPDATE k SET email = 'alice@EXAMPLE.com' WHERE email = 'alice@example.com'`,
      `DELETE FROM k WHERE email = 'BOB@example.com'`,
    ],
    plan: plan(1, 1, 0, 1),
  },
  {
    name: 'char(n) keys ignore their padding, as their equality does',
    ddl: ['CREATE TABLE k (code char(4) PRIMARY KEY, v int)'],
    seed: [`INSERT INTO k VALUES ('ab', 1), ('ab c', 2), ('x', 3)`],
    accident: [`UPDATE k SET v = 9 WHERE code = 'x'`],
    plan: plan(0, 1, 0, 2),
  },
  {
    name: 'composite keys of mixed types: integer, text and date',
    ddl: ['CREATE TABLE k (a int, b text, c date, v int, PRIMARY KEY (a, b, c))'],
    seed: [
      `INSERT INTO k VALUES (1, 'x', '2024-01-01', 1), (1, 'x', '2024-01-02', 2), (1, 'y', '2023-12-31', 3),
       (2, 'a', '2024-01-01', 4), (10, 'a', '2024-01-01', 5)`,
    ],
    accident: [
      `DELETE FROM k WHERE a = 1 AND c = '2024-01-02'`,
      `UPDATE k SET v = 0 WHERE a = 10`,
      `INSERT INTO k VALUES (1, 'x', '2024-01-03', 6)`,
    ],
    plan: plan(1, 1, 1, 3),
  },
  {
    name: 'with --where, a source row whose target row left the filter is changed, and extra rows are only those under the filter',
    ddl: ['CREATE TABLE k (id int PRIMARY KEY, status text)'],
    seed: [`INSERT INTO k VALUES (1, 'open'), (2, 'open'), (3, 'paid'), (4, 'open')`],
    accident: [
      `UPDATE k SET status = 'paid' WHERE id = 2`,
      `DELETE FROM k WHERE id = 4`,
      `INSERT INTO k VALUES (5, 'open'), (6, 'paid')`,
    ],
    where: `status = 'open'`,
    plan: plan(1, 1, 1, 1),
  },
];

const MYSQL: KeyCase[] = [
  {
    name: 'integer keys whose text sorts apart from their value: signs, digit counts, unsigned beyond 2^63',
    ddl: ['CREATE TABLE k (id bigint PRIMARY KEY, u bigint unsigned NOT NULL UNIQUE, v text)'],
    seed: [
      `INSERT INTO k VALUES (-100, 1, 'a'), (-20, 2, 'b'), (-3, 3, 'c'), (0, 4, 'd'), (5, 5, 'e'), (9, 6, 'f'),
       (10, 7, 'g'), (11, 8, 'h'), (100, 9, 'i'), (-9223372036854775808, 10, 'k'), (9223372036854775807, 11, 'l')`,
    ],
    accident: [
      'DELETE FROM k WHERE id IN (-20, 9, 100, 9223372036854775807)',
      `UPDATE k SET v = 'changed' WHERE id IN (-100, 10)`,
      `INSERT INTO k VALUES (-7, 12, 'new'), (99, 13, 'new'), (1000, 18446744073709551615, 'new')`,
    ],
    plan: plan(4, 2, 3, 5),
  },
  {
    name: "keys under a case- and accent-insensitive PAD SPACE collation: 'Alice' = 'alice', 'e' = 'é', 'b' = 'b '",
    ddl: [
      'CREATE TABLE k (id varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci PRIMARY KEY, v int)',
    ],
    seed: [`INSERT INTO k VALUES ('Alice', 1), ('b', 2), ('e', 3), ('Zed', 4), ('x', 5)`],
    accident: [
      `UPDATE k SET id = 'alice' WHERE id = 'Alice'`,
      `UPDATE k SET id = 'b ' WHERE id = 'b'`,
      `UPDATE k SET id = 'é' WHERE id = 'e'`,
      `DELETE FROM k WHERE id = 'ZED'`,
    ],
    plan: plan(1, 3, 0, 1),
  },
  {
    name: "keys under a binary collation: 'X' and 'x' are two keys, 'y' and 'y ' one (PAD SPACE)",
    ddl: ['CREATE TABLE k (id varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PRIMARY KEY, v int)'],
    seed: [`INSERT INTO k VALUES ('X', 1), ('y', 2), ('é', 3)`],
    accident: [`UPDATE k SET id = 'x' WHERE id = 'X'`, `UPDATE k SET id = 'y ' WHERE id = 'y'`],
    plan: plan(1, 1, 1, 1),
  },
  {
    name: "keys in the server's default character set, latin1 on the source and utf8mb4 on the target",
    ddl: ['CREATE TABLE k (id varchar(20) PRIMARY KEY, v int)'],
    seed: [`INSERT INTO k VALUES ('a', 1), ('B', 2), ('é', 3), ('Z', 4), ('ß', 5)`],
    accident: [
      `DELETE FROM k WHERE id IN ('B', 'ß')`,
      `UPDATE k SET v = 0 WHERE id = 'Z'`,
      `INSERT INTO k VALUES ('c', 9)`,
    ],
    plan: plan(2, 1, 1, 2),
  },
  {
    name: 'binary string keys compare bytes: a trailing NUL makes another key',
    ddl: ['CREATE TABLE k (id varbinary(8) PRIMARY KEY, v int)'],
    seed: [`INSERT INTO k VALUES (X'61', 1), (X'FF00', 2), (X'00', 3)`],
    accident: [`UPDATE k SET id = X'6100' WHERE id = X'61'`],
    plan: plan(1, 0, 1, 2),
  },
  {
    name: 'double keys -0 and 0 are one key; decimal, date and time keys order by their text',
    ddl: ['CREATE TABLE k (d double, n decimal(6,2), t time, day date, v int, PRIMARY KEY (d, n, t, day))'],
    seed: [
      `INSERT INTO k VALUES (-0e0, 1.50, '-01:00:00', '2024-01-01', 1), (0.5, -2.00, '100:00:00', '1999-12-31', 2),
       (2, 10.00, '09:00:00', '2024-02-29', 3)`,
    ],
    accident: [`UPDATE k SET v = 9 WHERE n = 10.00`, `UPDATE k SET d = 0 WHERE v = 1`],
    plan: plan(0, 1, 0, 2),
  },
  {
    name: 'with --where, a source row whose target row left the filter is changed, and extra rows are only those under the filter',
    ddl: ['CREATE TABLE k (id int PRIMARY KEY, status varchar(10))'],
    seed: [`INSERT INTO k VALUES (1, 'open'), (2, 'open'), (3, 'paid'), (4, 'open')`],
    accident: [
      `UPDATE k SET status = 'paid' WHERE id = 2`,
      `DELETE FROM k WHERE id = 4`,
      `INSERT INTO k VALUES (5, 'open'), (6, 'paid')`,
    ],
    where: `status = 'open'`,
    plan: plan(1, 1, 1, 1),
  },
];

const CASES: Record<ServerEngine, KeyCase[]> = { postgres: POSTGRES, mysql: MYSQL };

/** Samples in a stable order: each path lists them in its own order within a class. */
function sorted(report: DiffReport) {
  return [...report.samples].sort((a, b) =>
    `${a.class}${JSON.stringify(a.key)}`.localeCompare(`${b.class}${JSON.stringify(b.key)}`),
  );
}

async function withCase<T>(
  engine: ServerEngine,
  c: Pick<KeyCase, 'ddl' | 'seed' | 'accident'>,
  fn: (options: DiffOptions) => Promise<T>,
): Promise<T> {
  const s = await scratch(engine);
  try {
    for (const client of [s.source, s.target])
      for (const sql of [...c.ddl, ...c.seed]) await client.exec(sql);
    for (const sql of c.accident) await s.target.exec(sql);
    return await fn({
      table: 'k',
      from: s.sourceUrl,
      to: s.targetUrl,
      stateDir: await tempDir(),
      samples: 100,
    });
  } finally {
    await s.close();
  }
}

describe.each(['postgres', 'mysql'] as const)('merge diff key matching on %s', (engine) => {
  test.each(CASES[engine].map((c) => [c.name, c] as const))(
    '%s',
    async (_name, c) => {
      await withCase(engine, c, async (options) => {
        const o = { ...options, ...(c.where ? { where: c.where } : {}), ...(c.key ? { key: c.key } : {}) };
        const staged = await diff({ ...o, path: 'staged' });
        const merged = await diff({ ...o, path: 'merge' });
        expect(staged.plan).toEqual(c.plan);
        expect(merged.plan).toEqual(c.plan);
        expect(sorted(merged)).toEqual(sorted(staged));
      });
    },
    120_000,
  );

  test('a --key with a NULL in it, or repeating a value, is refused: it does not identify rows', async () => {
    const c = {
      ddl: ['CREATE TABLE k (a int, b int, v int)'],
      seed: ['INSERT INTO k VALUES (1, 1, 1), (2, NULL, 2), (3, 3, 3), (3, 3, 4)'],
      accident: [],
    };
    await withCase(engine, c, async (options) => {
      const refusal = (key: string[]) => diff({ ...options, key, path: 'merge' }).catch((e: unknown) => e);
      const nulls = await refusal(['a', 'b']);
      expect(nulls).toBeInstanceOf(RowbackError);
      expect((nulls as RowbackError).code).toBe('no-key');
      expect((nulls as RowbackError).message).toMatch(
        /^--key a,b does not identify the rows of \S+\.k: a source row has a NULL in b\.$/,
      );
      const repeated = await refusal(['a']);
      expect((repeated as RowbackError).code).toBe('no-key');
      expect((repeated as RowbackError).message).toMatch(/the key 3 occurs more than once in the source\.$/);
    });
  }, 120_000);
});

test('a key under a nondeterministic PostgreSQL collation is refused by the merge, which cannot follow its equality', async () => {
  const c = {
    ddl: [
      `CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)`,
      'CREATE TABLE k (name text COLLATE ci PRIMARY KEY, v int)',
    ],
    seed: [`INSERT INTO k VALUES ('Alpha', 1)`],
    accident: [`UPDATE k SET name = 'ALPHA'`],
  };
  await withCase('postgres', c, async (options) => {
    expect((await diff({ ...options, path: 'staged' })).plan).toEqual(plan(0, 1, 0, 0));
    const error = await diff({ ...options, path: 'merge' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RowbackError);
    expect((error as RowbackError).code).toBe('unsupported');
    expect((error as RowbackError).message).toBe(
      'Key column name of public.k uses the nondeterministic collation ci, whose equality a comparison of bytes cannot follow.',
    );
  });
}, 120_000);
