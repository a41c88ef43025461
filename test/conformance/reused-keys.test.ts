import { describe, expect, test } from 'vitest';
import { type Preview, type RestoreOptions, restore } from '../../src/index.js';
import { type EngineName, type Scratch, tempDir } from '../harness/index.js';
import { cli, describeRun, SCENARIO_ENGINES, TIMEOUT, withScratch } from './support.js';

const INVOICE: Record<EngineName, string> = {
  postgres: `CREATE TABLE invoice (id serial PRIMARY KEY, customer text NOT NULL, amount numeric(10,2) NOT NULL,
    created_at timestamptz NOT NULL)`,
  mysql: `CREATE TABLE invoice (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, customer varchar(100) NOT NULL,
    amount decimal(10,2) NOT NULL, created_at datetime NOT NULL)`,
  // SQLite: amounts and times kept as the text written; AUTOINCREMENT keeps its counter in sqlite_sequence
  sqlite: `CREATE TABLE invoice (id integer PRIMARY KEY AUTOINCREMENT, customer text NOT NULL, amount text NOT NULL,
    created_at text NOT NULL)`,
};
/** A time as each engine's column takes it (PostgreSQL's timestamptz with its zone: the servers differ). */
const at = (engine: EngineName, time: string) => `'${time}${engine === 'postgres' ? '+00' : ''}'`;
const hour = (g: number) => `2026-01-01 ${String(9 + g).padStart(2, '0')}:00:00`;
const minute = (g: number) => `2026-03-01 12:0${g}:00`;

/** Invoices 1..10 of the past. */
const seed = (engine: EngineName) =>
  `INSERT INTO invoice (customer, amount, created_at) VALUES ${Array.from({ length: 10 }, (_, i) => i + 1)
    .map((g) => `('customer ${g}', '${(g * 10.25).toFixed(2)}', ${at(engine, hour(g))})`)
    .join(', ')}`;

/**
 * The counter reset (TRUNCATE … RESTART IDENTITY; MySQL's TRUNCATE resets AUTO_INCREMENT; SQLite has no
 * TRUNCATE: every row deleted and the sqlite_sequence counter set back to 0), then four new invoices, which
 * got the old invoices' ids 1..4.
 */
const REUSED = (engine: EngineName) => [
  ...(engine === 'postgres'
    ? ['TRUNCATE invoice RESTART IDENTITY']
    : engine === 'sqlite'
      ? ['DELETE FROM invoice', "UPDATE sqlite_sequence SET seq = 0 WHERE name = 'invoice'"]
      : ['TRUNCATE TABLE invoice']),
  `INSERT INTO invoice (customer, amount, created_at) VALUES ${[1, 2, 3, 4]
    .map((g) => `('new customer ${g}', '${(g * 1.5).toFixed(2)}', ${at(engine, minute(g))})`)
    .join(', ')}`,
];

/** A dump line as each engine prints the row. */
const line = (engine: EngineName, id: number, customer: string, amount: string, time: string) =>
  `${id}\t${customer}\t${amount}\t${time}${engine === 'postgres' ? '+00' : ''}`;

/** Where the counter stands after the reset, in each engine's terms (last value given; next value to give). */
const COUNTER = {
  postgres: { name: () => 'public.invoice_id_seq', value: '4', source: '10' },
  mysql: { name: (db: string) => `${db}.invoice.id`, value: '5', source: '11' },
  sqlite: { name: () => 'main.invoice.id', value: '4', source: '10' },
};

function reusedWarning(s: Scratch, changed: 'keep-current' | 'take-source' = 'keep-current'): string {
  const engine = s.engine;
  const db = engine === 'sqlite' ? 'main' : new URL(s.targetUrl).pathname.slice(1);
  const table = engine === 'postgres' ? 'public.invoice' : `${db}.invoice`;
  const c = COUNTER[engine];
  const outcome =
    changed === 'take-source'
      ? 'With --changed take-source the rows now under those keys are overwritten by the source’s.'
      : 'With --changed keep-current they stay as they are now, and the source’s rows under those keys are not restored.';
  return `Keys of ${table} may have been reused since the source's moment (a counter reset, e.g. TRUNCATE … RESTART IDENTITY): the counter ${c.name(db)} stands at ${c.value}, below the largest id of the source (10) and behind the source's own counter (${c.source}); of the 4 changed row(s), 4 differ in most of their columns and 4 differ in created_at. Changed rows that may be other rows: keys 1, 2, 3, 4. ${outcome} If they are other rows, answer no, compare them (rowback diff --samples 20), and put the source's rows back under new keys by hand.`;
}

async function scene(s: Scratch, accident: string[]): Promise<void> {
  const engine = s.engine;
  for (const side of [s.source, s.target]) {
    await side.exec(INVOICE[engine]);
    await side.exec(seed(engine));
  }
  for (const sql of accident) await s.target.exec(sql);
}

/** The preview a restore shows before asking, answered no. */
async function declined(s: Scratch, options: Partial<RestoreOptions> = {}): Promise<Preview | undefined> {
  let asked: Preview | undefined;
  const run = restore({
    table: 'invoice',
    from: s.sourceUrl,
    to: s.targetUrl,
    stateDir: await tempDir(),
    ...options,
    confirm: async (preview) => {
      asked = preview;
      return false;
    },
  });
  await expect(run).rejects.toMatchObject({ code: 'declined' });
  return asked;
}

describe.each(SCENARIO_ENGINES)("keys reused since the source's moment, on %s", (engine) => {
  // SQLite has no TRUNCATE: its counter reset is every row deleted and sqlite_sequence set back to 0.
  const reset = engine === 'sqlite' ? ' (SQLite: the counter reset in sqlite_sequence)' : '';
  test(
    `says so before asking, naming the keys, and writes nothing when the answer is no${reset}`,
    async () => {
      await withScratch(engine, async (s) => {
        await scene(s, REUSED(engine));
        const before = await s.dump('target', 'invoice', ['id']);
        const asked = await declined(s);
        expect(asked?.plan).toEqual({ missing: 6, changed: 4, extra: 0, same: 0 });
        expect(asked?.warnings).toEqual([reusedWarning(s)]);
        expect(await s.dump('target', 'invoice', ['id'])).toEqual(before);
      });
    },
    TIMEOUT,
  );

  test(
    `under --yes prints the warning with the preview and in --json, then restores only the keys still free${reset}`,
    async () => {
      await withScratch(engine, async (s) => {
        await scene(s, REUSED(engine));
        const warning = reusedWarning(s);
        const args = ['restore', 'invoice', '--from', s.sourceUrl, '--to', s.targetUrl, '--yes'];
        const result = await cli([...args, '--no-progress', '--json', '--state-dir', await tempDir()]);
        expect(result.code, describeRun(result)).toBe(0);
        expect(result.json?.['warnings']).toEqual([warning]);
        expect(result.json?.['applied']).toEqual({ inserted: 6, updated: 0, deleted: 0 });
        // The warning comes with the plan, before anything is written, and only there.
        const warned = result.stderr.indexOf(`! ${warning}`);
        expect(warned).toBeGreaterThan(-1);
        expect(warned).toBeLessThan(result.stderr.indexOf('Verified'));
        expect(result.stderr.split(warning)).toHaveLength(2);
        expect(await s.dump('target', 'invoice', ['id'])).toEqual([
          ...[1, 2, 3, 4].map((g) => line(engine, g, `new customer ${g}`, (g * 1.5).toFixed(2), minute(g))),
          ...[5, 6, 7, 8, 9, 10].map((g) =>
            line(engine, g, `customer ${g}`, (g * 10.25).toFixed(2), hour(g)),
          ),
        ]);
      });
    },
    TIMEOUT,
  );

  test(
    `warns that take-source would overwrite the rows now under the reused keys${reset}`,
    async () => {
      await withScratch(engine, async (s) => {
        await scene(s, REUSED(engine));
        const asked = await declined(s, { changed: 'take-source' });
        expect(asked?.warnings).toEqual([reusedWarning(s, 'take-source')]);
      });
    },
    TIMEOUT,
  );

  test(
    'tells another row by its creation time alone where the table has no counter',
    async () => {
      await withScratch(engine, async (s) => {
        const q = engine === 'mysql' ? '`' : '"';
        const table = [
          `CREATE TABLE ticket (no int PRIMARY KEY, title varchar(50), ${q}createdOn${q} date NOT NULL)`,
          `INSERT INTO ticket VALUES (1, 'printer', '2026-01-05'), (2, 'vpn', '2026-01-06'), (3, 'mail', '2026-01-07')`,
        ];
        for (const side of [s.source, s.target]) for (const sql of table) await side.exec(sql);
        // Ticket 2 was deleted, and its number given to a new ticket; ticket 3's title was edited.
        await s.target.exec('DELETE FROM ticket WHERE no = 2');
        await s.target.exec(`INSERT INTO ticket VALUES (2, 'vpn', '2026-03-01')`);
        await s.target.exec(`UPDATE ticket SET title = 'mail server' WHERE no = 3`);
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
        const name =
          engine === 'postgres'
            ? 'public.ticket'
            : engine === 'sqlite'
              ? 'main.ticket'
              : `${new URL(s.targetUrl).pathname.slice(1)}.ticket`;
        expect(report.warnings).toEqual([
          `Keys of ${name} may have been reused since the source's moment (a counter reset, e.g. TRUNCATE … RESTART IDENTITY): of the 2 changed row(s), 1 differ in createdOn. Changed rows that may be other rows: keys 2. With --changed keep-current they stay as they are now, and the source’s rows under those keys are not restored. If they are other rows, answer no, compare them (rowback diff --samples 20), and put the source's rows back under new keys by hand.`,
        ]);
      });
    },
    TIMEOUT,
  );

  test(
    'says nothing of the kind for an ordinary accident: rows deleted, one edited, the counter ahead',
    async () => {
      await withScratch(engine, async (s) => {
        await scene(s, [
          'DELETE FROM invoice WHERE id > 6',
          `UPDATE invoice SET amount = '0.00' WHERE id = 2`,
          `INSERT INTO invoice (customer, amount, created_at) VALUES ('since', '1.00', ${at(engine, '2026-03-01 00:00:00')})`,
        ]);
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
          ...Array.from({ length: 10 }, (_, i) => i + 1).map((g) =>
            line(engine, g, `customer ${g}`, g === 2 ? '0.00' : (g * 10.25).toFixed(2), hour(g)),
          ),
          line(engine, 11, 'since', '1.00', '2026-03-01 00:00:00'),
        ]);
      });
    },
    TIMEOUT,
  );
});
