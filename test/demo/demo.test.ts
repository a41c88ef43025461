import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/story.js';
import { runCli } from '../harness/index.js';

/** The table as the story's last step prints it: invoices 1–12 back, 7 and 13 as written after the accident. */
const FINAL_TABLE = `
    id  customer           amount    currency  issued_at                      note
    --  -----------------  --------  --------  -----------------------------  --------------------------
     1  Acme Corp          1200.00   EUR       2026-11-02 09:15:00.12+00      annual plan
     2  Globex             89.90     USD       2026-11-03 14:02:11+00         NULL
     3  Initech            15000.00  USD       2026-11-05 08:30:00+00         enterprise, net 60
     4  Zürich Café AG     42.50     CHF       2026-11-07 11:47:03.25+00      paid by card
     5  Umbrella Ltd       310.00    GBP       2026-11-09 16:20:45.999999+00  NULL
     6  Hooli              2500.00   USD       2026-11-12 10:00:00+00         O'Brien approved
     7  Stark Industries   95.00     EUR       2026-11-14 13:13:13.131313+00  paid after discount
     8  Wayne Enterprises  99999.99  USD       2026-11-16 23:59:59.5+00       largest this month
     9  Tyrell             0.01      EUR       2026-11-18 07:05:00.000001+00  test charge
    10  Cyberdyne          640.00    EUR       2026-11-20 12:00:00+00         NULL
    11  Soylent            75.25     GBP       2026-11-22 18:30:30.3+00       refund pending
    12  Aperture           1999.00   USD       2026-11-24 09:00:00+00         renewal
    13  Massive Dynamic    560.00    EUR       2026-11-25 09:20:00+00         written after the accident`;

/** The table right after the undo: only what was written after the accident. */
const AFTER_UNDO = `
    id  customer          amount  currency  issued_at                      note
    --  ----------------  ------  --------  -----------------------------  --------------------------
     7  Stark Industries  95.00   EUR       2026-11-14 13:13:13.131313+00  paid after discount
    13  Massive Dynamic   560.00  EUR       2026-11-25 09:20:00+00         written after the accident`;

/**
 * The accounts after the column repair: plan back where it still read 'free' (1, 3, 5, 6, 7, 8), Globex's
 * upgrade since kept (2), the seats written since kept (3, 6), 4 free then as now, Tyrell new.
 */
const REPAIRED_ACCOUNTS = `
    id  customer           plan        seats
    --  -----------------  ----------  -----
     1  Acme Corp          team        25
     2  Globex             team        5
     3  Initech            enterprise  420
     4  Zürich Café AG     free        1
     5  Umbrella Ltd       pro         12
     6  Hooli              enterprise  950
     7  Stark Industries   team        40
     8  Wayne Enterprises  enterprise  1200
     9  Tyrell             free        1`;

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Temp dirs of servers this process started and has not removed. */
async function ownServerDirs(): Promise<string[]> {
  const names = (await readdir(tmpdir())).filter((name) => /^rowback-(postgres|mariadb)-/.test(name));
  const owned: string[] = [];
  for (const name of names) {
    const owner = await readFile(join(tmpdir(), name, 'owner.pid'), 'utf8').catch(() => '');
    if (owner.trim() === String(process.pid)) owned.push(name);
  }
  return owned;
}

/** The same final table on SQLite, whose columns hold the amounts and times as the text written. */
const FINAL_TABLE_SQLITE = `
    id  customer           amount    currency  issued_at                   note
    --  -----------------  --------  --------  --------------------------  --------------------------
     1  Acme Corp          1200.00   EUR       2026-11-02 09:15:00.120000  annual plan
     2  Globex             89.90     USD       2026-11-03 14:02:11.000000  NULL
     3  Initech            15000.00  USD       2026-11-05 08:30:00.000000  enterprise, net 60
     4  Zürich Café AG     42.50     CHF       2026-11-07 11:47:03.250000  paid by card
     5  Umbrella Ltd       310.00    GBP       2026-11-09 16:20:45.999999  NULL
     6  Hooli              2500.00   USD       2026-11-12 10:00:00.000000  O'Brien approved
     7  Stark Industries   95.00     EUR       2026-11-14 13:13:13.131313  paid after discount
     8  Wayne Enterprises  99999.99  USD       2026-11-16 23:59:59.500000  largest this month
     9  Tyrell             0.01      EUR       2026-11-18 07:05:00.000001  test charge
    10  Cyberdyne          640.00    EUR       2026-11-20 12:00:00.000000  NULL
    11  Soylent            75.25     GBP       2026-11-22 18:30:30.300000  refund pending
    12  Aperture           1999.00   USD       2026-11-24 09:00:00.000000  renewal
    13  Massive Dynamic    560.00    EUR       2026-11-25 09:20:00.000000  written after the accident`;

const AFTER_UNDO_SQLITE = `
    id  customer          amount  currency  issued_at                   note
    --  ----------------  ------  --------  --------------------------  --------------------------
     7  Stark Industries  95.00   EUR       2026-11-14 13:13:13.131313  paid after discount
    13  Massive Dynamic   560.00  EUR       2026-11-25 09:20:00.000000  written after the accident`;

describe('rowback demo', () => {
  it('plays on SQLite files by default (`rowback demo`, what `npm start` runs), with nothing to start, and removes its files', async () => {
    const result = await runCli(['demo'], { timeoutMs: 120_000 });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const output = result.stdout;
    expect(output.startsWith('rowback demo on SQLite\n')).toBe(true);
    const dir =
      /production at (\S+)\/production\.db, and a point-in-time copy of it \("snapshot"\) at (\S+)\/snapshot\.db\./.exec(
        output,
      );
    expect(dir?.[1]).toBe(dir?.[2]);
    const undone = output.slice(
      output.indexOf('7. rowback undo'),
      output.indexOf('8. And restore once more'),
    );
    expect(undone).toContain(`${AFTER_UNDO_SQLITE}\n`);
    expect(output.slice(output.indexOf('8. And restore once more'))).toContain(`${FINAL_TABLE_SQLITE}\n`);
    expect(output).toContain('11 inserted, 0 updated, 0 deleted');
    // SQLite values are shown as the literals that say their storage class, not quoted a second time
    expect(output).toContain("plan: 'free' → source 'team'");
    expect(output).not.toContain(`"'`);
    const repaired = output.slice(output.indexOf('12. rowback restore accounts'));
    expect(repaired).toContain('0 inserted, 6 updated, 0 deleted');
    expect(repaired).toContain(`${REPAIRED_ACCOUNTS}\n`);
    expect(output.trimEnd().endsWith('Both database files are removed.')).toBe(true);
    expect(existsSync(dir![1]!)).toBe(false);
  }, 180_000);

  it('tells the story on PostgreSQL, ends with every invoice back and the later writes kept, and leaves nothing running', async () => {
    const blocks: string[] = [];
    await runDemo({ engine: 'postgres', write: (text) => blocks.push(text) });
    const output = blocks.join('\n');

    const ports = [...output.matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
    expect(new Set(ports).size).toBe(2);
    const last = output.slice(output.indexOf('8. And restore once more'));
    expect(last).toContain(`${FINAL_TABLE}\n`);
    const undone = output.slice(
      output.indexOf('7. rowback undo'),
      output.indexOf('8. And restore once more'),
    );
    expect(undone).toContain(`${AFTER_UNDO}\n`);
    expect(output).toContain('11 inserted, 0 updated, 0 deleted');
    const update = output.slice(output.indexOf('11. rowback diff accounts'));
    expect(update).toMatch(
      /kept +1 {2}changed rows that do not match --target-where \(plan = 'free'\) now → kept/,
    );
    expect(update).toContain('changed  id=2  (kept: --target-where does not hold)');
    const repaired = update.slice(update.indexOf('12. rowback restore accounts'));
    expect(repaired).toContain('0 inserted, 6 updated, 0 deleted');
    expect(repaired).toContain(`${REPAIRED_ACCOUNTS}\n`);
    expect(output.trimEnd().endsWith('Both servers are stopped and their files removed.')).toBe(true);

    for (const port of new Set(ports)) expect(await accepts(port)).toBe(false);
    expect(await ownServerDirs()).toEqual([]);
  }, 180_000);
});
