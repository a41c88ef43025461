import { describe, expect, test } from 'vitest';
import { type Preview, restore } from '../../src/index.js';
import { type Scratch, tempDir } from '../harness/index.js';
import { cli, describeRun, TIMEOUT, withScratch } from './support.js';

// PostgreSQL first: the other engines join when their sessions say who they are (Connection.identity).
const ENGINE = 'postgres';

const DDL = `CREATE SCHEMA app;
  CREATE TABLE app.invoice (id serial PRIMARY KEY, customer text NOT NULL, amount numeric(10,2) NOT NULL);
  CREATE TABLE app.invoice_archive (LIKE app.invoice);
  INSERT INTO app.invoice (customer, amount) SELECT 'customer ' || g, g * 10.25 FROM generate_series(1, 6) AS g;
  INSERT INTO app.invoice_archive SELECT * FROM app.invoice;
  DELETE FROM app.invoice WHERE id > 3;`;

/** The same database under another spelling of its URL. */
function respell(url: string, change: (u: URL) => void): string {
  const u = new URL(url);
  change(u);
  return u.toString();
}

/** How rowback names a PostgreSQL URL in messages: scheme, user, host and port reached, database. */
function label(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.username}@${u.host}${u.pathname}`;
}

/** The identity of app.invoice as the refusal words it, read from the server itself. */
async function identityText(s: Scratch): Promise<string> {
  const rows = await s.target.query(
    `SELECT s.system_identifier::text, c.timeline_id::text, current_database(), d.oid::text, 'app.invoice'::regclass::oid::text
     FROM pg_control_system() AS s, pg_control_checkpoint() AS c, pg_database AS d WHERE d.datname = current_database()`,
  );
  const [system, timeline, db, dbOid, oid] = rows[0]!;
  return `table app.invoice (oid ${oid}) of database ${db} (oid ${dbOid}) on PostgreSQL system ${system}, timeline ${timeline}`;
}

describe(`--from and --to the same table, on ${ENGINE}`, () => {
  test(
    'refuses however the URL spells it (host alias, scheme, user, search_path), exit 2, touching nothing',
    async () => {
      await withScratch(ENGINE, async (s) => {
        await s.target.exec(DDL);
        await s.target.exec(`CREATE ROLE rowback_reader_${process.pid} LOGIN;
          GRANT USAGE ON SCHEMA app TO rowback_reader_${process.pid};
          GRANT SELECT ON ALL TABLES IN SCHEMA app TO rowback_reader_${process.pid}`);
        try {
          const before = await s.dump('target', 'app.invoice', ['id']);
          const identity = await identityText(s);
          const spellings: [string, string][] = [
            ['the same URL', s.targetUrl],
            [
              'localhost for 127.0.0.1',
              respell(s.targetUrl, (u) => {
                u.hostname = 'localhost';
              }),
            ],
            ['postgresql:// for postgres://', s.targetUrl.replace(/^postgres:/, 'postgresql:')],
            [
              'another user',
              respell(s.targetUrl, (u) => {
                u.username = `rowback_reader_${process.pid}`;
              }),
            ],
          ];
          for (const [what, from] of spellings) {
            const args = ['restore', 'app.invoice', '--from', from, '--to', s.targetUrl, '--yes', '--json'];
            const result = await cli([...args, '--state-dir', await tempDir()]);
            expect(result.code, `${what}: ${describeRun(result)}`).toBe(2);
            const error = result.json?.['error'] as { code: string; message: string; hint: string };
            expect(error.code, what).toBe('same-table');
            expect(error.message, what).toBe(
              `--from and --to are the same table: ${identity}, reached as ${label(from)} and as ${label(s.targetUrl)}. A table cannot be restored from itself; no row was read or written.`,
            );
            expect(error.hint).toBe(
              'Give --from a copy of app.invoice from before the accident: a point-in-time restore, a replica stopped before it, a dump, or another table of this database with --from-table.',
            );
          }
          // The table named unqualified, found through the source session's search_path.
          const viaPath = `${s.targetUrl}?options=${encodeURIComponent('-c search_path=app')}`;
          const args = [
            'restore',
            'app.invoice',
            '--from',
            viaPath,
            '--from-table',
            'invoice',
            '--to',
            s.targetUrl,
          ];
          const result = await cli([...args, '--yes', '--json', '--state-dir', await tempDir()]);
          expect(result.code, describeRun(result)).toBe(2);
          expect((result.json?.['error'] as { code: string } | undefined)?.code).toBe('same-table');
          expect(await s.dump('target', 'app.invoice', ['id'])).toEqual(before);
        } finally {
          await s.target.exec(
            `DROP OWNED BY rowback_reader_${process.pid}; DROP ROLE rowback_reader_${process.pid}`,
          );
        }
      });
    },
    TIMEOUT,
  );

  test(
    'restores from another table of the same database (--from-table) as usual',
    async () => {
      await withScratch(ENGINE, async (s) => {
        await s.target.exec(DDL);
        const args = ['restore', 'app.invoice', '--from', s.targetUrl, '--from-table', 'app.invoice_archive'];
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
        expect(await s.dump('target', 'app.invoice', ['id'])).toEqual([
          '1\tcustomer 1\t10.25',
          '2\tcustomer 2\t20.50',
          '3\tcustomer 3\t30.75',
          '4\tcustomer 4\t41.00',
          '5\tcustomer 5\t51.25',
          '6\tcustomer 6\t61.50',
        ]);
      });
    },
    TIMEOUT,
  );
});

describe(`a source that looks newer than its target, on ${ENGINE}`, () => {
  // --from and --to swapped: the "source" is production, with invoices written since the copy was made.
  const TABLE = `CREATE TABLE invoice (id serial PRIMARY KEY, customer text NOT NULL, amount numeric(10,2) NOT NULL);
    INSERT INTO invoice (customer, amount) SELECT 'customer ' || g, g * 10.25 FROM generate_series(1, 5) AS g`;
  const SINCE = `INSERT INTO invoice (customer, amount) VALUES ('since 1', 1.00), ('since 2', 2.00);
    DELETE FROM invoice WHERE id = 2`;
  const NEWER =
    "CAUTION: the source looks newer than the target public.invoice: the counter public.invoice_id_seq stands at 5, below the largest id of the source (7) and behind the source's own counter (7). --extra delete deletes the 1 target row(s) the source lacks; if --from and --to are the wrong way round, those are rows written since, not rows to rewind. Make sure --from is the copy from before the accident (if not, answer no and swap them).";

  async function swapped(s: Scratch): Promise<void> {
    await s.source.exec(TABLE);
    await s.source.exec(SINCE);
    await s.target.exec(TABLE);
  }

  test(
    'with --extra delete, warns loudly before asking, and nothing is written when the answer is no',
    async () => {
      await withScratch(ENGINE, async (s) => {
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
        expect(asked?.warnings).toEqual([NEWER]);
        expect(await s.dump('target', 'invoice', ['id'])).toEqual(before);
      });
    },
    TIMEOUT,
  );

  test(
    'under --yes the warning is in the output and in --json; without --extra delete there is none',
    async () => {
      await withScratch(ENGINE, async (s) => {
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
        const kept = await cli([...args, '--json', '--state-dir', await tempDir()]);
        expect(kept.code, describeRun(kept)).toBe(0);
        expect(kept.json?.['warnings']).toEqual([]);
        await s.target.exec('TRUNCATE invoice RESTART IDENTITY');
        await s.target.exec(TABLE.split(';')[1]!);
        const deleted = await cli([...args, '--extra', 'delete', '--json', '--state-dir', await tempDir()]);
        expect(deleted.code, describeRun(deleted)).toBe(0);
        expect(deleted.json?.['warnings']).toEqual([NEWER]);
        expect(deleted.stderr).toContain(`! ${NEWER}`);
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
