import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from '../../../src/servers/os-user.js';
import { findPostgresBinaries } from '../../../src/servers/postgres-binaries.js';
import { runCli, tempDir } from '../../harness/index.js';
import { loadSakila, type ScratchDb, scratchDb, tableText } from './support.js';

// Sakila's payment is an inheritance parent whose INSERT rules send rows dated 2007 to monthly children,
// with payment_id DEFAULT. Its data was loaded with COPY, which fires no rule, so rows the rules would
// now match can live in the parent itself: move two customers' rows into 2007-02, kept in the parent,
// and one customer's rows into a child, as a real history would have them.
const HISTORY = `
UPDATE ONLY payment SET payment_date = timestamp '2007-02-01 09:00:00' + (payment_id % 27) * interval '1 day'
WHERE customer_id IN (3, 4);
WITH moved AS (DELETE FROM ONLY payment WHERE customer_id = 1 RETURNING *)
INSERT INTO payment_p2007_01 SELECT payment_id, customer_id, staff_id, rental_id, amount,
  timestamp '2007-01-01 10:00:00' + (payment_id % 28) * interval '1 day' FROM moved;`;

const WHERE_ROWS_LIVE = 'SELECT tableoid::regclass::text, * FROM payment ORDER BY payment_id';
const SEQUENCE = 'SELECT last_value, is_called FROM payment_payment_id_seq';

/** Runs a script as its first comment says: psql, stopping at the first error. */
async function psql(file: string, url: string): Promise<{ stdout: string }> {
  const binary = await findExecutable('psql', [(await findPostgresBinaries()).binDir]);
  return promisify(execFile)(binary!, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file, url]);
}

let source: ScratchDb;
let target: ScratchDb;
let role: string;
let clerkUrl: string;

beforeAll(async () => {
  [source, target] = await Promise.all([scratchDb('source'), scratchDb('target')]);
  await Promise.all([loadSakila(source.client), loadSakila(target.client)]);
  await source.client.query(HISTORY);
  await target.client.query(HISTORY);
  // A role that may read Sakila and write payment, nothing more: no superuser, no table ownership.
  role = `rowback_clerk_${target.url.split('/').pop()}`;
  const tables = ['payment', ...[1, 2, 3, 4, 5, 6].map((m) => `payment_p2007_0${m}`)].join(', ');
  await target.client.query(
    `CREATE ROLE ${role} LOGIN;
     GRANT TEMP ON DATABASE ${target.url.split('/').pop()} TO ${role};
     GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role};
     GRANT INSERT, UPDATE, DELETE ON ${tables} TO ${role};
     GRANT USAGE, SELECT, UPDATE ON SEQUENCE payment_payment_id_seq TO ${role};`,
  );
  const url = new URL(target.url);
  url.username = role;
  clerkUrl = url.toString();
}, 180_000);

afterAll(async () => {
  await target?.client.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`).catch(() => {});
  await source?.drop();
  await target?.drop();
});

describe('Sakila payment, restored by a role that is not superuser', () => {
  it('puts rows back into the parent although its DO INSTEAD rules now match them, keys and all, and undoes it', async () => {
    await target.client.query('DELETE FROM payment WHERE customer_id IN (1, 3, 4)');
    const before = await tableText(target.client, WHERE_ROWS_LIVE);
    const sequence = await tableText(target.client, SEQUENCE);
    const stateDir = await tempDir();
    const common = ['--yes', '--json', '--no-progress', '--state-dir', stateDir];
    const run = await runCli(['restore', 'payment', '--from', source.url, '--to', clerkUrl, ...common]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { id: string; applied: unknown; verification: unknown };
    const lost = Number(
      await tableText(source.client, 'SELECT count(*) FROM payment WHERE customer_id IN (1, 3, 4)'),
    );
    expect(lost).toBe(80);
    expect(report.applied).toEqual({ inserted: lost, updated: 0, deleted: 0 });
    expect(report.verification).toEqual({ checked: lost, mismatched: 0 });
    const restored = await tableText(target.client, WHERE_ROWS_LIVE);
    expect(restored).toBe(await tableText(source.client, WHERE_ROWS_LIVE));
    // The rows the rules would have rewritten are in the parent, under their own keys.
    expect(
      await tableText(
        target.client,
        `SELECT tableoid::regclass::text, payment_id, payment_date FROM payment WHERE customer_id = 3 ORDER BY payment_id LIMIT 2`,
      ),
    ).toBe('payment\t60\t2007-02-07 09:00:00\npayment\t61\t2007-02-08 09:00:00\n');
    expect(
      await tableText(
        target.client,
        `SELECT tableoid::regclass::text, count(*) FROM payment WHERE customer_id IN (1, 3, 4) GROUP BY 1 ORDER BY 1`,
      ),
    ).toBe('payment\t48\npayment_p2007_01\t32\n');
    expect(await tableText(target.client, SEQUENCE)).toBe(sequence);

    const undo = await runCli(['undo', report.id, '--to', clerkUrl, ...common]);
    expect(undo.code, undo.stderr).toBe(0);
    expect((JSON.parse(undo.stdout) as { applied: unknown }).applied).toEqual({
      inserted: 0,
      updated: 0,
      deleted: lost,
    });
    expect(await tableText(target.client, WHERE_ROWS_LIVE)).toBe(before);
  }, 120_000);

  it('writes a --sql-out script that puts rows back past rules that leave them alone, and stops, writing nothing, where rules would rewrite them', async () => {
    await target.client.query('DELETE FROM payment WHERE customer_id = 5');
    const dir = await tempDir();
    const common = ['--from', source.url, '--to', clerkUrl, '--no-progress', '--state-dir', dir];
    const untouched = join(dir, 'customer-5.sql');
    const five = await runCli([
      'restore',
      'payment',
      ...common,
      '--where',
      'customer_id = 5',
      '--sql-out',
      untouched,
    ]);
    expect(five.code, five.stderr).toBe(0);
    await psql(untouched, clerkUrl);
    const customer = (id: number) =>
      `${WHERE_ROWS_LIVE.replace('ORDER BY', `WHERE customer_id = ${id} ORDER BY`)}`;
    expect(await tableText(target.client, customer(5))).toBe(await tableText(source.client, customer(5)));
    expect(await tableText(target.client, customer(5))).toMatch(/^payment\t/);

    const before = await tableText(target.client, WHERE_ROWS_LIVE);
    const rewritten = join(dir, 'all.sql');
    const all = await runCli(['restore', 'payment', ...common, '--sql-out', rewritten]);
    expect(all.code, all.stderr).toBe(0);
    await expect(psql(rewritten, clerkUrl)).rejects.toThrow(
      'rowback: the INSERT rules of public.payment (payment_insert_p2007_01, payment_insert_p2007_02, payment_insert_p2007_03, payment_insert_p2007_04, payment_insert_p2007_05, payment_insert_p2007_06) rewrote rows this script inserted, so they did not land as they were; nothing was written.',
    );
    expect(await tableText(target.client, WHERE_ROWS_LIVE)).toBe(before);
  }, 120_000);
});
