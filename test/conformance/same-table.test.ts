import { realpath, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { type Preview, restore } from '../../src/index.js';
import { type EngineName, type Scratch, type ServerEngine, tempDir } from '../harness/index.js';
import { cli, describeRun, SCENARIO_ENGINES, TIMEOUT, withScratch } from './support.js';

type PerEngine = Record<ServerEngine, string>;

const INVOICE: Record<EngineName, string> = {
  postgres:
    'CREATE TABLE invoice (id serial PRIMARY KEY, customer text NOT NULL, amount numeric(10,2) NOT NULL)',
  mysql: `CREATE TABLE invoice (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, customer varchar(100) NOT NULL,
    amount decimal(10,2) NOT NULL)`,
  // SQLite: the amounts kept as the text written (a numeric column would store 41.00 as the integer 41)
  sqlite:
    'CREATE TABLE invoice (id integer PRIMARY KEY AUTOINCREMENT, customer text NOT NULL, amount text NOT NULL)',
};
const ROWS = (n: number) =>
  `INSERT INTO invoice (customer, amount) VALUES ${Array.from({ length: n }, (_, i) => i + 1)
    .map((g) => `('customer ${g}', '${(g * 10.25).toFixed(2)}')`)
    .join(', ')}`;
const SIX = ['1\tcustomer 1\t10.25', '2\tcustomer 2\t20.50', '3\tcustomer 3\t30.75'].concat([
  '4\tcustomer 4\t41.00',
  '5\tcustomer 5\t51.25',
  '6\tcustomer 6\t61.50',
]);

/** The same database under another spelling of its URL. */
function respell(url: string, change: (u: URL) => void): string {
  const u = new URL(url);
  change(u);
  return u.toString();
}

/** The identity of the target's invoice table as the refusal words it, read from the server itself. */
async function identityText(s: Scratch): Promise<string> {
  if (s.engine === 'sqlite') {
    const [[root]] = (await s.target.query(
      "SELECT rootpage FROM sqlite_schema WHERE type = 'table' AND name = 'invoice'",
    )) as [string[]];
    const file = await stat(s.targetUrl);
    return `table main.invoice (root page ${root}) of database main on SQLite file ${await realpath(s.targetUrl)} (device ${file.dev}, inode ${file.ino})`;
  }
  if (s.engine === 'postgres') {
    const [[system, timeline, db, dbOid, oid]] = (await s.target.query(
      `SELECT s.system_identifier::text, c.timeline_id::text, current_database(), d.oid::text, 'invoice'::regclass::oid::text
       FROM pg_control_system() AS s, pg_control_checkpoint() AS c, pg_database AS d WHERE d.datname = current_database()`,
    )) as [string[]];
    return `table public.invoice (oid ${oid}) of database ${db} (oid ${dbOid}) on PostgreSQL system ${system}, timeline ${timeline}`;
  }
  const [[uid, db, created]] = (await s.target.query(
    `SELECT @@server_uid, DATABASE(), CREATE_TIME FROM information_schema.TABLES
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'invoice'`,
  )) as [string[]];
  return `table ${db}.invoice (created ${created}) of database ${db} on MariaDB server_uid ${uid}`;
}

/** A role that may only read the table, on the target server. */
const READER_NAME = `rowback_same_${process.pid}`;
const READER: PerEngine = {
  postgres: `CREATE ROLE ${READER_NAME} LOGIN; GRANT SELECT ON invoice TO ${READER_NAME}`,
  mysql: `CREATE USER '${READER_NAME}'@'%' IDENTIFIED BY 'pw-reader'`,
};

/** The same database file under other names: the sqlite: URL forms and a symlink (SQLite has no users or hosts). */
async function fileSpellings(path: string): Promise<[string, string][]> {
  const link = join(await tempDir(), 'link.db');
  await symlink(path, link);
  return [
    ['the same path', path],
    ['sqlite: for the bare path', `sqlite:${path}`],
    ['sqlite:// for the bare path', `sqlite://${path}`],
    ['a symlink to the file', link],
  ];
}

/** The refused restore of invoice from `from` into the target, as exit 2 and its JSON error, for each spelling. */
async function expectRefused(s: Scratch, spellings: [string, string][], schema: string): Promise<void> {
  const identity = await identityText(s);
  for (const [what, from] of spellings) {
    // How rowback names each side, as a diff (which compares a table with itself, and says so) reports.
    const seen = await cli(['diff', 'invoice', '--from', from, '--to', s.targetUrl, '--json']);
    expect(seen.code, `${what}: ${describeRun(seen)}`).toBe(0);
    const labels = seen.json as { source: string; target: string; warnings: string[] };
    expect(labels.warnings[0], what).toBe(
      `--from and --to are the same table (${identity}): every row is compared with itself. A restore from it would be refused.`,
    );
    const args = ['restore', 'invoice', '--from', from, '--to', s.targetUrl, '--yes', '--json'];
    const result = await cli([...args, '--state-dir', await tempDir()]);
    expect(result.code, `${what}: ${describeRun(result)}`).toBe(2);
    expect(result.json?.['error'], what).toEqual({
      code: 'same-table',
      message: `--from and --to are the same table: ${identity}, reached as ${labels.source} and as ${labels.target}. A table cannot be restored from itself; no row was read or written.`,
      hint: `Give --from a copy of ${schema}.invoice from before the accident: a point-in-time restore, a replica stopped before it, a dump, or another table of this database with --from-table.`,
      details: { identity: expect.any(Object) },
    });
  }
}

describe('--from and --to the same table, on sqlite', () => {
  test(
    'refuses however the path spells it (sqlite: and sqlite:// URLs, a symlink; SQLite has no users or hosts), exit 2, touching nothing',
    async () => {
      await withScratch('sqlite', async (s) => {
        await s.target.exec(INVOICE.sqlite);
        await s.target.exec(ROWS(3));
        const before = await s.dump('target', 'invoice', ['id']);
        await expectRefused(s, await fileSpellings(s.targetUrl), 'main');
        expect(await s.dump('target', 'invoice', ['id'])).toEqual(before);
      });
    },
    TIMEOUT,
  );
});

describe.each(['postgres', 'mysql'] as const)('--from and --to the same table, on %s', (engine) => {
  test(
    'refuses however the URL spells it (scheme, user; host alias and search_path on PostgreSQL), exit 2, touching nothing',
    async () => {
      await withScratch(engine, async (s) => {
        await s.target.exec(INVOICE[engine]);
        await s.target.exec(ROWS(3));
        for (const sql of READER[engine].split('; ')) await s.target.exec(sql);
        const db = new URL(s.targetUrl).pathname.slice(1);
        if (engine === 'mysql') {
          await s.target.exec(`GRANT SELECT ON \`${db}\`.* TO '${READER_NAME}'@'%'`);
        }
        try {
          const before = await s.dump('target', 'invoice', ['id']);
          const reader = respell(s.targetUrl, (u) => {
            u.username = READER_NAME;
            u.password = engine === 'mysql' ? 'pw-reader' : '';
          });
          const spellings: [string, string][] = [
            ['the same URL', s.targetUrl],
            ['another user', reader],
            ...(engine === 'postgres'
              ? ([
                  ['postgresql:// for postgres://', s.targetUrl.replace(/^postgres:/, 'postgresql:')],
                  [
                    'localhost for 127.0.0.1',
                    respell(s.targetUrl, (u) => {
                      u.hostname = 'localhost';
                    }),
                  ],
                  [
                    'another search_path',
                    `${s.targetUrl}?options=${encodeURIComponent('-c search_path=pg_catalog,public')}`,
                  ],
                ] as [string, string][])
              : ([['mariadb:// for mysql://', s.targetUrl.replace(/^mysql:/, 'mariadb:')]] as [
                  string,
                  string,
                ][])),
          ];
          await expectRefused(s, spellings, engine === 'postgres' ? 'public' : db);
          expect(await s.dump('target', 'invoice', ['id'])).toEqual(before);
        } finally {
          const drop =
            engine === 'postgres'
              ? `DROP OWNED BY ${READER_NAME}; DROP ROLE ${READER_NAME}`
              : `DROP USER '${READER_NAME}'@'%'`;
          for (const sql of drop.split('; ')) await s.target.exec(sql);
        }
      });
    },
    TIMEOUT,
  );
});

describe.each(SCENARIO_ENGINES)('--from and --to the same file or database, on %s', (engine) => {
  test(
    `restores from another table of the same database (--from-table) as usual${engine === 'sqlite' ? ' (SQLite: the archive is created like the table, as CREATE TABLE … AS keeps no key)' : ''}`,
    async () => {
      await withScratch(engine, async (s) => {
        await s.target.exec(INVOICE[engine]);
        await s.target.exec(ROWS(6));
        if (engine === 'sqlite') {
          // SQLite's CREATE TABLE … AS keeps no key and types the id INT: the archive is made like the table.
          await s.target.exec(INVOICE.sqlite.replace('invoice', 'invoice_archive'));
          await s.target.exec('INSERT INTO invoice_archive SELECT * FROM invoice');
        } else {
          await s.target.exec('CREATE TABLE invoice_archive AS SELECT * FROM invoice');
        }
        await s.target.exec('DELETE FROM invoice WHERE id > 3');
        const args = ['restore', 'invoice', '--from', s.targetUrl, '--from-table', 'invoice_archive'];
        const result = await cli([
          ...args,
          '--to',
          s.targetUrl,
          '--yes',
          '--json',
          '--state-dir',
          await tempDir(),
        ]);
        expect(result.code, describeRun(result)).toBe(0);
        expect(await s.dump('target', 'invoice', ['id'])).toEqual(SIX);
      });
    },
    TIMEOUT,
  );
});

describe.each(SCENARIO_ENGINES)('a source that looks newer than its target, on %s', (engine) => {
  // --from and --to swapped: the "source" is production, with invoices written since the copy was made.
  const SINCE = [
    "INSERT INTO invoice (customer, amount) VALUES ('since 1', '1.00'), ('since 2', '2.00')",
    'DELETE FROM invoice WHERE id = 2',
  ];
  function newer(s: Scratch): string {
    const db = engine === 'sqlite' ? 'main' : new URL(s.targetUrl).pathname.slice(1);
    // The counter: PostgreSQL's and SQLite's (sqlite_sequence) hold the last id handed out, MySQL's the next.
    const [table, counter, value, source] =
      engine === 'postgres'
        ? ['public.invoice', 'public.invoice_id_seq', '5', '7']
        : engine === 'sqlite'
          ? ['main.invoice', 'main.invoice.id', '5', '7']
          : [`${db}.invoice`, `${db}.invoice.id`, '6', '8'];
    return `CAUTION: the source looks newer than the target ${table}: the counter ${counter} stands at ${value}, below the largest id of the source (7) and behind the source's own counter (${source}). --extra delete deletes the 1 target row(s) the source lacks; if --from and --to are the wrong way round, those are rows written since, not rows to rewind. Make sure --from is the copy from before the accident (if not, answer no and swap them).`;
  }

  async function swapped(s: Scratch): Promise<void> {
    for (const side of [s.source, s.target]) {
      await side.exec(INVOICE[engine]);
      await side.exec(ROWS(5));
    }
    for (const sql of SINCE) await s.source.exec(sql);
  }

  test(
    'with --extra delete, warns loudly before asking, and nothing is written when the answer is no',
    async () => {
      await withScratch(engine, async (s) => {
        await swapped(s);
        const before = await s.dump('target', 'invoice', ['id']);
        let asked: Preview | undefined;
        await expect(
          restore({
            table: 'invoice',
            from: s.sourceUrl,
            to: s.targetUrl,
            extra: 'delete',
            stateDir: await tempDir(),
            confirm: async (preview) => {
              asked = preview;
              return false;
            },
          }),
        ).rejects.toMatchObject({ code: 'declined' });
        expect(asked?.plan).toEqual({ missing: 2, changed: 0, extra: 1, same: 4 });
        expect(asked?.warnings).toEqual([newer(s)]);
        expect(await s.dump('target', 'invoice', ['id'])).toEqual(before);
      });
    },
    TIMEOUT,
  );

  test(
    'under --yes the warning is in the output and in --json; without --extra delete there is none',
    async () => {
      await withScratch(engine, async (s) => {
        await swapped(s);
        const args = [
          'restore',
          'invoice',
          '--from',
          s.sourceUrl,
          '--to',
          s.targetUrl,
          '--yes',
          '--no-progress',
        ];
        const kept = await cli([...args, '--dry-run', '--json', '--state-dir', await tempDir()]);
        expect(kept.code, describeRun(kept)).toBe(0);
        expect(kept.json?.['warnings']).toEqual([]);
        const deleted = await cli([...args, '--extra', 'delete', '--json', '--state-dir', await tempDir()]);
        expect(deleted.code, describeRun(deleted)).toBe(0);
        expect(deleted.json?.['warnings']).toEqual([newer(s)]);
        expect(deleted.stderr).toContain(`! ${newer(s)}`);
        expect(await s.dump('target', 'invoice', ['id'])).toEqual([
          '1\tcustomer 1\t10.25',
          '3\tcustomer 3\t30.75',
          '4\tcustomer 4\t41.00',
          '5\tcustomer 5\t51.25',
          '6\tsince 1\t1.00',
          '7\tsince 2\t2.00',
        ]);
      });
    },
    TIMEOUT,
  );
});
