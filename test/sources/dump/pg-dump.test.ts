import { execFile } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProgressEvent, restore } from '../../../src/index.js';
import { PG_DDL, PG_SEED } from '../../conformance/scenarios-values.js';
import { runCli } from '../../harness/cli.js';
import { type Scratch, scratch, tempDir } from '../../harness/index.js';

const run = promisify(execFile);

/**
 * The value matrix, plus a same-named table in a second schema that must never be read instead, and a
 * table dumped after it, which a reader that stops at the end of the table's data never reads.
 */
const DDL = [
  ...PG_DDL,
  'CREATE SCHEMA other',
  'CREATE TABLE other.vals (id int PRIMARY KEY, txt text)',
  'CREATE TABLE zz_after (id int PRIMARY KEY, txt text)',
  // pg_dump --inserts writes DEFAULT for a generated column; COPY and --column-inserts leave it out
  'CREATE TABLE gen (id int PRIMARY KEY, twice int GENERATED ALWAYS AS (id * 2) STORED, txt text)',
  // pg_dump writes a partitioned table's rows under its partitions only
  'CREATE TABLE parted (id int PRIMARY KEY) PARTITION BY RANGE (id)',
  'CREATE TABLE parted_low PARTITION OF parted FOR VALUES FROM (0) TO (100)',
];
const SEED = [
  ...PG_SEED,
  "INSERT INTO other.vals VALUES (1, 'from the other schema'), (99, 'x')",
  "INSERT INTO gen (id, txt) VALUES (1, 'one'), (2, NULL)",
  'INSERT INTO parted VALUES (1), (2)',
  "INSERT INTO zz_after SELECT i, repeat('after ', 20) FROM generate_series(1, 30000) AS i",
];

/** Every layout pg_dump writes, each made by the real pg_dump from the source database. */
const DUMPS: Record<string, (url: string, file: string) => string> = {
  plain: (url, file) => `pg_dump -d '${url}' -f ${file}`,
  'plain, gzip': (url, file) => `pg_dump -d '${url}' -Z 5 -f ${file}`,
  'plain --inserts': (url, file) => `pg_dump -d '${url}' --inserts -f ${file}`,
  'plain --column-inserts --rows-per-insert': (url, file) =>
    `pg_dump -d '${url}' --column-inserts --rows-per-insert=3 -f ${file}`,
  'plain --inserts --on-conflict-do-nothing': (url, file) =>
    `pg_dump -d '${url}' --inserts --on-conflict-do-nothing -f ${file}`,
  'plain --column-inserts --rows-per-insert --on-conflict-do-nothing': (url, file) =>
    `pg_dump -d '${url}' --column-inserts --rows-per-insert=3 --on-conflict-do-nothing -f ${file}`,
  'plain --quote-all-identifiers': (url, file) => `pg_dump -d '${url}' --quote-all-identifiers -f ${file}`,
  'custom --quote-all-identifiers': (url, file) =>
    `pg_dump -d '${url}' -Fc --quote-all-identifiers -f ${file}`,
  'plain, data only': (url, file) => `pg_dump -d '${url}' --data-only -f ${file}`,
  custom: (url, file) => `pg_dump -d '${url}' -Fc -f ${file}`,
  'custom, uncompressed': (url, file) => `pg_dump -d '${url}' -Fc -Z 0 -f ${file}`,
  'custom, written to a pipe': (url, file) => `pg_dump -d '${url}' -Fc | cat > ${file}`,
  directory: (url, file) => `pg_dump -d '${url}' -Fd -f ${file}`,
  tar: (url, file) => `pg_dump -d '${url}' -Ft -f ${file}`,
};

let s: Scratch;
let dir: string;
let expected: string[];

beforeAll(async () => {
  s = await scratch('postgres');
  dir = await tempDir();
  for (const sql of [...DDL, ...SEED]) await s.source.exec(sql);
  for (const sql of DDL) await s.target.exec(sql);
  expected = await s.dump('source', 'public.vals', ['id']);
  for (const [name, command] of Object.entries(DUMPS)) {
    await run('bash', ['-c', command(s.sourceUrl, join(dir, slug(name)))]);
  }
}, 120_000);

afterAll(async () => {
  await s?.close();
});

function slug(name: string): string {
  return name.replace(/[^a-z0-9]+/g, '-');
}

describe('restoring from a pg_dump file', () => {
  for (const name of Object.keys(DUMPS)) {
    it(`puts back every value exactly from a ${name} dump, reading only public.vals`, async () => {
      await s.target.exec('TRUNCATE vals');
      const report = await restore({
        table: 'vals',
        from: join(dir, slug(name)),
        to: s.targetUrl,
        stateDir: dir,
      });
      expect(report.outcome).toBe('applied');
      // The target is empty and nobody is asked: the dump is streamed straight in, counted as it goes.
      expect(report.path).toBe('direct');
      expect(report.plan.missing).toBe(4);
      expect(await s.dump('target', 'public.vals', ['id'])).toEqual(expected);
    });
  }

  it('puts back a table with a generated column from every layout (DEFAULT in --inserts is no value)', async () => {
    const want = await s.dump('source', 'public.gen', ['id']);
    for (const name of Object.keys(DUMPS)) {
      await s.target.exec('TRUNCATE gen');
      const report = await restore({
        table: 'gen',
        from: join(dir, slug(name)),
        to: s.targetUrl,
        stateDir: dir,
      });
      expect([name, report.plan.missing]).toEqual([name, 2]);
      expect([name, await s.dump('target', 'public.gen', ['id'])]).toEqual([name, want]);
    }
  });

  it('reads a partition from a --load-via-partition-root dump (its rows written as the root) and refuses the root', async () => {
    const layouts = {
      plain: '',
      'plain --inserts': '--inserts',
      custom: '-Fc',
      'plain, data only': '--data-only',
      'plain --inserts, data only': '--data-only --inserts',
    };
    for (const [layout, flags] of Object.entries(layouts)) {
      const from = join(dir, `lvpr-${slug(layout)}`);
      await run('bash', ['-c', `pg_dump -d '${s.sourceUrl}' --load-via-partition-root ${flags} -f ${from}`]);
      await s.target.exec('TRUNCATE parted');
      // the root's rows are one section per partition: reading the first would be a part of them
      const root = await restore({ table: 'parted', from, to: s.targetUrl, stateDir: dir }).catch(
        (e: unknown) => e,
      );
      expect([layout, root]).toMatchObject([
        layout,
        {
          code: 'unsupported',
          message: `public.parted is a partitioned table: ${from} holds its rows under its partitions, not under public.parted itself.`,
        },
      ]);
      const report = await restore({ table: 'parted_low', from, to: s.targetUrl, stateDir: dir });
      expect([layout, report.plan.missing]).toEqual([layout, 2]);
      expect(await s.dump('target', 'public.parted', ['id'])).toEqual(['1', '2']);
    }
  });

  it('refuses a partitioned table, whose rows a dump holds under its partitions, and restores a partition', async () => {
    await s.target.exec('TRUNCATE parted');
    // a data-only dump has no CREATE TABLE for it nor data: not in the dump (the partition is suggested)
    const dataOnly = await restore({
      table: 'parted',
      from: join(dir, slug('plain, data only')),
      to: s.targetUrl,
      stateDir: dir,
    }).catch((e: unknown) => e);
    expect(dataOnly).toMatchObject({
      code: 'table-not-found',
      hint: expect.stringContaining('Did you mean parted_low?'),
    });
    for (const name of Object.keys(DUMPS).filter((n) => n !== 'plain, data only')) {
      const from = join(dir, slug(name));
      const error = await restore({ table: 'parted', from, to: s.targetUrl, stateDir: dir }).catch(
        (e: unknown) => e,
      );
      expect([name, error]).toMatchObject([
        name,
        {
          code: 'unsupported',
          message: `public.parted is a partitioned table: ${from} holds its rows under its partitions, not under public.parted itself.`,
        },
      ]);
    }
    const report = await restore({
      table: 'parted_low',
      from: join(dir, 'custom'),
      to: s.targetUrl,
      stateDir: dir,
    });
    expect(report.plan.missing).toBe(2);
    expect(await s.dump('target', 'public.parted', ['id'])).toEqual(['1', '2']);
  });

  it('streams a dump straight into an emptied table, says so in --json, and the table is exact', async () => {
    await s.target.exec('TRUNCATE vals');
    const from = join(dir, 'custom');
    const common = ['--to', s.targetUrl, '--yes', '--json', '--no-progress', '--state-dir', dir];
    const direct = await runCli(['restore', 'vals', '--from', from, ...common]);
    expect(direct.code).toBe(0);
    expect(JSON.parse(direct.stdout)).toMatchObject({
      path: 'direct',
      outcome: 'applied',
      plan: { missing: 4, changed: 0, extra: 0, same: 0 },
      applied: { inserted: 4, updated: 0, deleted: 0 },
    });
    expect(await s.dump('target', 'public.vals', ['id'])).toEqual(expected);
    // A row in the target: nothing to stream into, so the dump is staged and merged.
    await s.target.exec('DELETE FROM vals WHERE id <> 2');
    const staged = await runCli(['restore', 'vals', '--from', from, ...common]);
    expect(staged.code).toBe(0);
    expect(JSON.parse(staged.stdout)).toMatchObject({ path: 'staged', applied: { inserted: 3 } });
    expect(await s.dump('target', 'public.vals', ['id'])).toEqual(expected);
  });

  it('with --yes reads the dump once: the rows are counted as they stream in, not by a first read', async () => {
    const from = join(dir, slug('custom, uncompressed'));
    // Someone to ask: the question must say how many rows, so the data block is read to count, then again.
    await s.target.exec('TRUNCATE vals');
    const events: ProgressEvent[] = [];
    const asked: number[] = [];
    const confirmed = await restore({
      table: 'vals',
      from,
      to: s.targetUrl,
      stateDir: dir,
      onProgress: (e) => events.push(e),
      confirm: async (preview) => asked.push(preview.plan.missing) > 0,
    });
    expect(asked).toEqual([4]);
    const block = events.find((e) => e.step === 'source' && e.totalBytes !== undefined)!.totalBytes!;
    expect(block).toBeLessThan((await stat(from)).size);
    expect(confirmed).toMatchObject({ path: 'direct', sourceBytesRead: 2 * block });
    // Nobody to ask: one read, and the plan in --json is what was streamed.
    await s.target.exec('TRUNCATE vals');
    const common = ['--to', s.targetUrl, '--yes', '--json', '--no-progress', '--state-dir', dir];
    const yes = await runCli(['restore', 'vals', '--from', from, ...common]);
    expect(yes.code, yes.stderr).toBe(0);
    expect(JSON.parse(yes.stdout)).toMatchObject({
      path: 'direct',
      outcome: 'applied',
      plan: { missing: 4, changed: 0, extra: 0, same: 0 },
      sourceBytesRead: block,
    });
    expect(yes.stderr).toMatch(/^ {2}missing +4 /m);
    expect(await s.dump('target', 'public.vals', ['id'])).toEqual(expected);
  });

  it('with --yes stops streaming as soon as --max-changes is passed: exit 8, the table still empty', async () => {
    await s.target.exec('TRUNCATE vals');
    const common = ['--to', s.targetUrl, '--yes', '--json', '--no-progress', '--state-dir', dir];
    const refused = await runCli([
      'restore',
      'vals',
      '--from',
      join(dir, 'custom'),
      '--max-changes',
      '3',
      ...common,
    ]);
    expect(refused.code, refused.stderr).toBe(8);
    expect(JSON.parse(refused.stdout).error).toMatchObject({
      code: 'plan-grew',
      message:
        'Restoring public.vals would write more than --max-changes 3 row(s): the source yielded row 4, so the copy stopped there. Nothing was written.',
    });
    expect(await s.dump('target', 'public.vals', ['id'])).toEqual([]);
    // Exactly the rows allowed: applied.
    const allowed = await runCli([
      'restore',
      'vals',
      '--from',
      join(dir, 'custom'),
      '--max-changes',
      '4',
      ...common,
    ]);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(await s.dump('target', 'public.vals', ['id'])).toEqual(expected);
  });

  it('merges with rows written since: keeps them and their changes, puts back what was deleted', async () => {
    await s.target.exec('TRUNCATE vals');
    await s.target.exec(PG_SEED.join(';'));
    await s.target.exec(
      "DELETE FROM vals WHERE id IN (1, 3); UPDATE vals SET txt = 'changed since' WHERE id = 2",
    );
    await s.target.exec("INSERT INTO vals (id, txt) VALUES (9, 'written since')");
    const report = await restore({
      table: 'vals',
      from: join(dir, 'custom'),
      to: s.targetUrl,
      stateDir: dir,
    });
    expect(report.plan).toEqual({ missing: 2, changed: 1, extra: 1, same: 1 });
    const rows = await s.dump('target', 'public.vals', ['id']);
    expect(rows.filter((r) => /^[13]\t/.test(r))).toEqual(expected.filter((r) => /^[13]\t/.test(r)));
    expect(rows.find((r) => r.startsWith('2\t'))).toContain('changed since');
    expect(rows.find((r) => r.startsWith('9\t'))).toContain('written since');
  });

  it('honours --where on the target side: only the dump rows under it are put back', async () => {
    await s.target.exec('TRUNCATE vals');
    await s.target.exec("INSERT INTO vals (id, txt) VALUES (9, 'written since, outside the filter')");
    const report = await restore({
      table: 'vals',
      from: join(dir, 'custom'),
      to: s.targetUrl,
      stateDir: dir,
      where: 'id <= 2 OR id = 9',
      extra: 'delete',
    });
    expect(report.plan).toEqual({ missing: 2, changed: 0, extra: 1, same: 0 });
    expect(await s.dump('target', 'public.vals', ['id'])).toEqual(expected.filter((r) => /^[12]\t/.test(r)));
  });

  it('reads the table of the schema asked for when another schema has a table of the same name', async () => {
    await s.target.exec(
      'CREATE SCHEMA IF NOT EXISTS other; CREATE TABLE IF NOT EXISTS other.vals (id int PRIMARY KEY, txt text)',
    );
    for (const name of ['plain', 'custom', 'tar']) {
      await s.target.exec('TRUNCATE other.vals');
      await restore({ table: 'other.vals', from: join(dir, slug(name)), to: s.targetUrl, stateDir: dir });
      expect(await s.dump('target', 'other.vals', ['id'])).toEqual(['1\tfrom the other schema', '99\tx']);
    }
  });

  it('refuses --from-database, which picks a database in a mysqldump: a pg_dump holds one (exit 2)', async () => {
    const from = join(dir, slug('plain'));
    const error = await restore({
      table: 'vals',
      from,
      to: s.targetUrl,
      stateDir: dir,
      sourceFlags: { database: 'other' },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'usage',
      message: `--from-database does not apply to ${from}: a pg_dump holds one database.`,
      hint: 'Name the schema with the table instead (--from-table schema.table).',
    });
  });

  it('lists the tables a dump holds and suggests the closest when the table is not in it', async () => {
    for (const name of ['plain', 'custom']) {
      const from = join(dir, slug(name));
      const error = await restore({
        table: 'vals',
        fromTable: 'valz',
        from,
        to: s.targetUrl,
        stateDir: dir,
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'table-not-found' });
      expect((error as { hint: string }).hint).toBe(
        'Did you mean vals? The dump holds: other.vals, public.gen, public.parted, public.parted_low, public.vals, public.zz_after.',
      );
    }
  });

  it('names a table of that name in another schema qualified, on either side, as the argument takes it', async () => {
    const dump = await restore({
      table: 'vals',
      fromTable: 'nosuch.vals',
      from: join(dir, 'custom'),
      to: s.targetUrl,
      stateDir: dir,
    }).catch((e: unknown) => e);
    expect(dump).toMatchObject({ code: 'table-not-found' });
    expect((dump as { hint: string }).hint).toMatch(
      /^Did you mean other\.vals, public\.vals\? The dump holds: /,
    );
    const target = await runCli([
      'restore',
      'nosuch.vals',
      '--from',
      join(dir, 'custom'),
      '--to',
      s.targetUrl,
    ]);
    expect(target.code).toBe(3);
    expect(target.stderr).toContain('hint: Did you mean other.vals, public.vals?');
  });

  it('stops at a truncated or corrupted dump with the byte offset, having written nothing', async () => {
    await s.target.exec('TRUNCATE vals');
    const plain = await readFile(join(dir, 'plain'));
    const cut = plain.indexOf('\\.\n', plain.indexOf('COPY public.vals'));
    await writeFile(join(dir, 'cut.sql'), plain.subarray(0, cut));
    await run('pg_dump', ['-d', s.sourceUrl, '-Fc', '-t', 'public.vals', '-f', join(dir, 'vals.dump')]);
    const custom = await readFile(join(dir, 'vals.dump'));
    const broken = Buffer.from(custom);
    broken.fill(0x55, custom.length - 200, custom.length - 100);
    await writeFile(join(dir, 'broken.dump'), broken);
    // compressed whole files cut short: the offset counts the uncompressed SQL, and says so
    const gzip = await readFile(join(dir, slug('plain, gzip')));
    await writeFile(join(dir, 'cut.sql.gz'), gzip.subarray(0, 1500));
    await run('bash', [
      '-c',
      `zstd -q -c ${join(dir, 'plain')} | head -c 2000 > ${join(dir, 'cut.sql.zst')}`,
    ]);
    for (const [file, message] of [
      ['cut.sql', `is truncated at byte ${cut}: expected the rest of a COPY block`],
      [
        'broken.dump',
        /is corrupt at byte \d+ of the data of public\.vals, uncompressed: expected compressed data/,
      ],
      [
        'cut.sql.gz',
        /is truncated at byte \d+ of .*cut\.sql\.gz, uncompressed: expected the rest of the compressed/,
      ],
      [
        'cut.sql.zst',
        /is truncated at byte \d+ of .*cut\.sql\.zst, uncompressed: expected the rest of the compressed/,
      ],
    ] as const) {
      const error = await restore({
        table: 'vals',
        from: join(dir, file),
        to: s.targetUrl,
        stateDir: dir,
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'bad-source' });
      expect((error as Error).message).toMatch(message);
      expect(await s.dump('target', 'public.vals', ['id'])).toEqual([]);
    }
  });

  it('refuses a dump with the table but not its data, and one cut before its data, leaving the rows there', async () => {
    await s.target.exec('TRUNCATE vals');
    await restore({ table: 'vals', from: join(dir, 'plain'), to: s.targetUrl, stateDir: dir });
    const before = await s.dump('target', 'public.vals', ['id']);
    expect(before).toEqual(expected);
    const plain = await readFile(join(dir, 'plain'));
    await writeFile(join(dir, 'before-copy.sql'), plain.subarray(0, plain.indexOf('COPY public.vals')));
    const inserts = await readFile(join(dir, slug('plain --inserts')));
    const second = inserts.indexOf('INSERT INTO public.vals', inserts.indexOf('INSERT INTO public.vals') + 1);
    await writeFile(join(dir, 'between-inserts.sql'), inserts.subarray(0, second));
    const gzip = Buffer.from(await readFile(join(dir, slug('plain, gzip'))));
    gzip[gzip.length - 6] = gzip[gzip.length - 6]! ^ 0xff; // the CRC at the end: the data reads, the check fails
    await writeFile(join(dir, 'crc.sql.gz'), gzip);
    await run('bash', [
      '-c',
      `pg_dump -d '${s.sourceUrl}' -s -f ${join(dir, 'schema.sql')} && pg_dump -d '${s.sourceUrl}' -Fc --exclude-table-data=public.vals -f ${join(dir, 'nodata.dump')}`,
    ]);
    for (const [file, code, message] of [
      ['schema.sql', 'table-not-found', 'holds public.vals but no data for it'],
      ['nodata.dump', 'table-not-found', 'holds public.vals but no data for it'],
      [
        'before-copy.sql',
        'bad-source',
        'up to its line "-- PostgreSQL database dump complete", found the end',
      ],
      [
        'between-inserts.sql',
        'bad-source',
        'up to its line "-- PostgreSQL database dump complete", found the end',
      ],
      ['crc.sql.gz', 'bad-source', 'incorrect data check'],
    ] as const) {
      const done = await runCli([
        'restore',
        'vals',
        '--from',
        join(dir, file),
        '--to',
        s.targetUrl,
        '--yes',
        '--extra',
        'delete',
      ]);
      expect([file, done.code]).toEqual([file, code === 'bad-source' ? 13 : 3]);
      expect(done.stderr).toContain(message);
      expect(done.stderr).toContain('Nothing was written.');
      expect(await s.dump('target', 'public.vals', ['id'])).toEqual(before);
    }
  });

  it('reports bytes read of the table data block, and reads no further than that block', async () => {
    await s.target.exec('TRUNCATE vals');
    const from = join(dir, slug('custom, uncompressed'));
    const events: ProgressEvent[] = [];
    await restore({ table: 'vals', from, to: s.targetUrl, stateDir: dir, onProgress: (e) => events.push(e) });
    // The target is empty and nobody confirms: the dump is read once, streamed straight in, and progress
    // is bytes read of the table's data block (the rows are not known before the end).
    expect(events.some((e) => e.step === 'source')).toBe(false);
    const counted = events.filter((e) => e.step === 'apply' && e.bytes !== undefined);
    expect(counted.length).toBeGreaterThan(0);
    const size = (await stat(from)).size;
    const block = counted[0]!.totalBytes!;
    // The other schema's table and the TOC are in the file too: the block is a part of it.
    expect(block).toBeGreaterThan(0);
    expect(block).toBeLessThan(size);
    for (const e of counted) expect(e.bytes).toBeLessThanOrEqual(block);
    expect(counted.at(-1)).toMatchObject({ rows: 4, bytes: block, totalBytes: block });
    expect(events.some((e) => e.total !== undefined)).toBe(false);
    // A plain dump is read from its start up to the end of the table's COPY block, and no further.
    events.length = 0;
    await s.target.exec('TRUNCATE vals');
    const plain = join(dir, 'plain');
    await restore({
      table: 'vals',
      from: plain,
      to: s.targetUrl,
      stateDir: dir,
      onProgress: (e) => events.push(e),
    });
    const read = events.filter((e) => e.step === 'apply' && e.bytes !== undefined);
    expect(read.at(-1)?.totalBytes).toBe((await stat(plain)).size);
    // Read in chunks of 1 MiB: at most one chunk past the end of the table's data, of a 3.6 MB file.
    const after = (await readFile(plain)).indexOf('COPY public.zz_after');
    expect(read.at(-1)!.bytes).toBeLessThanOrEqual(after + 2 ** 20);
    expect(read.at(-1)!.bytes).toBeLessThan(read.at(-1)!.totalBytes!);
    expect(await s.dump('target', 'public.vals', ['id'])).toEqual(expected);
    // Into a table with rows the dump is staged, reporting bytes read the same way.
    events.length = 0;
    await s.target.exec('DELETE FROM vals WHERE id <> 2');
    await restore({ table: 'vals', from, to: s.targetUrl, stateDir: dir, onProgress: (e) => events.push(e) });
    const staged = events.filter((e) => e.step === 'stage' && e.bytes !== undefined);
    for (const e of staged) expect(e.bytes).toBeLessThanOrEqual(block);
    expect(staged.at(-1)).toMatchObject({ rows: 4, bytes: block, totalBytes: block });
    expect(events.some((e) => e.step === 'source')).toBe(false);
    expect(await s.dump('target', 'public.vals', ['id'])).toEqual(expected);
  });

  it('refuses a dump written in another encoding than UTF-8, whose bytes could read as other text, and says how to convert it', async () => {
    // 'Ã©' in LATIN1 is the bytes c3 a9: valid UTF-8 for 'é', so loading them as they are would change it
    await s.source.exec(
      "CREATE TABLE latin (id int PRIMARY KEY, txt text); INSERT INTO latin VALUES (1, 'Ã©x'), (2, E'ÿ \\\\ ''q''\\t\\nü')",
    );
    await s.target.exec('CREATE TABLE latin (id int PRIMARY KEY, txt text)');
    const source = await s.source.query('SELECT id, txt FROM latin ORDER BY id');
    expect(source).toEqual([
      ['1', 'Ã©x'],
      ['2', "ÿ \\ 'q'\t\nü"],
    ]);
    try {
      for (const [layout, command] of [
        ['plain', (file: string) => `-f '${file}'`],
        ['custom', (file: string) => `-Fc -f '${file}'`],
        ['directory', (file: string) => `-Fd -f '${file}'`],
        ['plain, gzip', (file: string) => `| gzip > '${file}'`],
      ] as const) {
        const file = join(dir, `latin1 ${layout}`);
        await run('bash', ['-c', `pg_dump -d '${s.sourceUrl}' -t latin -E LATIN1 ${command(file)}`]);
        const result = await runCli(['restore', 'latin', '--from', file, '--to', s.targetUrl, '--yes']);
        expect(result.code, `${layout}: ${result.stderr}`).toBe(4);
        const lines = result.stderr.split('\n');
        expect(lines.slice(0, 2)).toEqual([
          `rowback: ${file} was written in LATIN1 (its SET client_encoding); rowback reads UTF-8 dumps only.`,
          `hint: Take the dump again with --encoding=UTF8 (pg_dump -E UTF8), or, if this dump is the only copy, convert it and restore from ${file}.utf8.sql:`,
        ]);
        expect(await s.target.query('SELECT count(*) FROM latin')).toEqual([['0']]);
        // The command it gives, run as given, makes a dump that restores every character exactly.
        await run('bash', ['-o', 'pipefail', '-c', lines[2]!.trim()]);
        const converted = await runCli([
          'restore',
          'latin',
          '--from',
          `${file}.utf8.sql`,
          '--to',
          s.targetUrl,
          '--yes',
        ]);
        expect(converted.code, `${layout}: ${converted.stderr}`).toBe(0);
        expect(await s.target.query('SELECT id, txt FROM latin ORDER BY id')).toEqual(source);
        await s.target.exec('DELETE FROM latin');
      }
      // SQL_ASCII passes the bytes on as psql does: the UTF-8 text arrives as it was
      const ascii = join(dir, 'sql-ascii.sql');
      await run('bash', ['-c', `pg_dump -d '${s.sourceUrl}' -t latin -E SQL_ASCII -f ${ascii}`]);
      const result = await runCli(['restore', 'latin', '--from', ascii, '--to', s.targetUrl, '--yes']);
      expect(result.code, result.stderr).toBe(0);
      expect(await s.target.query('SELECT id, txt FROM latin ORDER BY id')).toEqual(source);
    } finally {
      await s.source.exec('DROP TABLE latin');
      await s.target.exec('DROP TABLE latin');
    }
  });

  it('refuses a pg_dump file for a MySQL target, saying which engine the dump is of', async () => {
    const my = await scratch('mysql');
    try {
      await my.target.exec('CREATE TABLE vals (id int PRIMARY KEY)');
      const error = await restore({
        table: 'vals',
        from: join(dir, 'custom'),
        to: my.targetUrl,
        stateDir: dir,
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'unsupported' });
      expect((error as Error).message).toMatch(
        /is a PostgreSQL dump \(pg_dump custom archive 1\.\d+\.0 \(zlib\)\) and the target is MySQL\/MariaDB\./,
      );
    } finally {
      await my.close();
    }
  });
});
