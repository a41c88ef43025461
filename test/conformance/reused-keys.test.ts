import { describe, expect, test } from 'vitest';
import { type Preview, restore } from '../../src/index.js';
import { type Scratch, tempDir } from '../harness/index.js';
import { cli, describeRun, TIMEOUT, withScratch } from './support.js';

// PostgreSQL's SQL (generate_series, serial, timestamptz); the other engines have the same steps and could join with their own.
const ENGINE = 'postgres';

const DDL = `CREATE TABLE invoice (id serial PRIMARY KEY, customer text NOT NULL, amount numeric(10,2) NOT NULL,
  created_at timestamptz NOT NULL)`;
const SEED = `INSERT INTO invoice (customer, amount, created_at)
  SELECT 'customer ' || g, g * 10.25, timestamptz '2026-01-01 09:00:00+00' + g * interval '1 hour'
  FROM generate_series(1, 10) AS g`;
// TRUNCATE … RESTART IDENTITY, then the app wrote new invoices, which got the old invoices' ids 1..4.
const REUSED = `TRUNCATE invoice RESTART IDENTITY;
  INSERT INTO invoice (customer, amount, created_at)
  SELECT 'new customer ' || g, g * 1.5, timestamptz '2026-03-01 12:00:00+00' + g * interval '1 minute'
  FROM generate_series(1, 4) AS g`;

const REUSED_WARNING =
  "Keys of public.invoice may have been reused since the source's moment (a counter reset, e.g. TRUNCATE … RESTART IDENTITY): the counter public.invoice_id_seq stands at 4, below the largest id of the source (10) and behind the source's own counter (10); of the 4 changed row(s), 4 differ in most of their columns and 4 differ in created_at. Changed rows that may be other rows: keys 1, 2, 3, 4. With --changed keep-current they stay as they are now, and the source’s rows under those keys are not restored. If they are other rows, answer no, compare them (rowback diff --samples 20), and put the source's rows back under new keys by hand.";

async function scene(s: Scratch, accident: string): Promise<void> {
  for (const side of [s.source, s.target]) {
    await side.exec(DDL);
    await side.exec(SEED);
  }
  await s.target.exec(accident);
}

describe(`keys reused since the source's moment, on ${ENGINE}`, () => {
  test(
    'says so before asking, naming the keys, and writes nothing when the answer is no',
    async () => {
      await withScratch(ENGINE, async (s) => {
        await scene(s, REUSED);
        const before = await s.dump('target', 'invoice', ['id']);
        let asked: Preview | undefined;
        const run = restore({
          table: 'invoice',
          from: s.sourceUrl,
          to: s.targetUrl,
          stateDir: await tempDir(),
          confirm: async (preview) => {
            asked = preview;
            return false;
          },
        });
        await expect(run).rejects.toMatchObject({ code: 'declined' });
        expect(asked?.plan).toEqual({ missing: 6, changed: 4, extra: 0, same: 0 });
        expect(asked?.warnings).toEqual([REUSED_WARNING]);
        expect(await s.dump('target', 'invoice', ['id'])).toEqual(before);
      });
    },
    TIMEOUT,
  );

  test(
    'under --yes prints the warning with the preview and in --json, then restores only the keys still free',
    async () => {
      await withScratch(ENGINE, async (s) => {
        await scene(s, REUSED);
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
        const result = await cli([...args, '--json', '--state-dir', await tempDir()]);
        expect(result.code, describeRun(result)).toBe(0);
        expect(result.json?.['warnings']).toEqual([REUSED_WARNING]);
        expect(result.json?.['applied']).toEqual({ inserted: 6, updated: 0, deleted: 0 });
        // The warning comes with the plan, before anything is written.
        const warned = result.stderr.indexOf(`! ${REUSED_WARNING}`);
        expect(warned).toBeGreaterThan(-1);
        expect(warned).toBeLessThan(result.stderr.indexOf('Verified'));
        expect(result.stderr.split(REUSED_WARNING)).toHaveLength(2); // said once, not again after
        expect(await s.dump('target', 'invoice', ['id'])).toEqual([
          '1\tnew customer 1\t1.50\t2026-03-01 12:01:00+00',
          '2\tnew customer 2\t3.00\t2026-03-01 12:02:00+00',
          '3\tnew customer 3\t4.50\t2026-03-01 12:03:00+00',
          '4\tnew customer 4\t6.00\t2026-03-01 12:04:00+00',
          '5\tcustomer 5\t51.25\t2026-01-01 14:00:00+00',
          '6\tcustomer 6\t61.50\t2026-01-01 15:00:00+00',
          '7\tcustomer 7\t71.75\t2026-01-01 16:00:00+00',
          '8\tcustomer 8\t82.00\t2026-01-01 17:00:00+00',
          '9\tcustomer 9\t92.25\t2026-01-01 18:00:00+00',
          '10\tcustomer 10\t102.50\t2026-01-01 19:00:00+00',
        ]);
      });
    },
    TIMEOUT,
  );

  test(
    'warns that take-source would overwrite the rows now under the reused keys',
    async () => {
      await withScratch(ENGINE, async (s) => {
        await scene(s, REUSED);
        let asked: Preview | undefined;
        await expect(
          restore({
            table: 'invoice',
            from: s.sourceUrl,
            to: s.targetUrl,
            changed: 'take-source',
            stateDir: await tempDir(),
            confirm: async (preview) => {
              asked = preview;
              return false;
            },
          }),
        ).rejects.toMatchObject({ code: 'declined' });
        expect(asked?.warnings).toEqual([
          REUSED_WARNING.replace(
            'With --changed keep-current they stay as they are now, and the source’s rows under those keys are not restored.',
            'With --changed take-source the rows now under those keys are overwritten by the source’s.',
          ),
        ]);
      });
    },
    TIMEOUT,
  );

  test(
    'tells another row by its creation time alone where the table has no counter',
    async () => {
      await withScratch(ENGINE, async (s) => {
        const table = `CREATE TABLE ticket (no int PRIMARY KEY, title text, "createdOn" date NOT NULL);
          INSERT INTO ticket VALUES (1, 'printer', '2026-01-05'), (2, 'vpn', '2026-01-06'), (3, 'mail', '2026-01-07')`;
        await s.source.exec(table);
        await s.target.exec(table);
        // Ticket 2 was deleted, and the number given to a new ticket; ticket 3's title was edited.
        await s.target.exec(`DELETE FROM ticket WHERE no = 2; INSERT INTO ticket VALUES (2, 'vpn', '2026-03-01');
          UPDATE ticket SET title = 'mail server' WHERE no = 3`);
        // Nothing to write under keep-current: the run ends there, and still says it.
        const report = await restore({
          table: 'ticket',
          from: s.sourceUrl,
          to: s.targetUrl,
          stateDir: await tempDir(),
          confirm: async () => true,
        });
        expect(report.outcome).toBe('nothing-to-do');
        expect(report.plan).toEqual({ missing: 0, changed: 2, extra: 0, same: 1 });
        expect(report.warnings).toEqual([
          "Keys of public.ticket may have been reused since the source's moment (a counter reset, e.g. TRUNCATE … RESTART IDENTITY): of the 2 changed row(s), 1 differ in createdOn. Changed rows that may be other rows: keys 2. With --changed keep-current they stay as they are now, and the source’s rows under those keys are not restored. If they are other rows, answer no, compare them (rowback diff --samples 20), and put the source's rows back under new keys by hand.",
        ]);
      });
    },
    TIMEOUT,
  );

  test(
    'says nothing of the kind for an ordinary accident: rows deleted, one edited, the counter ahead',
    async () => {
      await withScratch(ENGINE, async (s) => {
        await scene(
          s,
          `DELETE FROM invoice WHERE id > 6; UPDATE invoice SET amount = 0 WHERE id = 2;
           INSERT INTO invoice (customer, amount, created_at) VALUES ('since', 1, '2026-03-01 00:00:00+00')`,
        );
        const report = await restore({
          table: 'invoice',
          from: s.sourceUrl,
          to: s.targetUrl,
          stateDir: await tempDir(),
          confirm: async () => true,
        });
        expect(report.plan).toEqual({ missing: 4, changed: 1, extra: 1, same: 5 });
        expect(report.warnings).toEqual([]);
        // The edit to invoice 2 is kept (keep-current); the rows deleted come back.
        expect(await s.dump('target', 'invoice', ['id'])).toEqual([
          '1\tcustomer 1\t10.25\t2026-01-01 10:00:00+00',
          '2\tcustomer 2\t0.00\t2026-01-01 11:00:00+00',
          '3\tcustomer 3\t30.75\t2026-01-01 12:00:00+00',
          '4\tcustomer 4\t41.00\t2026-01-01 13:00:00+00',
          '5\tcustomer 5\t51.25\t2026-01-01 14:00:00+00',
          '6\tcustomer 6\t61.50\t2026-01-01 15:00:00+00',
          '7\tcustomer 7\t71.75\t2026-01-01 16:00:00+00',
          '8\tcustomer 8\t82.00\t2026-01-01 17:00:00+00',
          '9\tcustomer 9\t92.25\t2026-01-01 18:00:00+00',
          '10\tcustomer 10\t102.50\t2026-01-01 19:00:00+00',
          '11\tsince\t1.00\t2026-03-01 00:00:00+00',
        ]);
      });
    },
    TIMEOUT,
  );
});
