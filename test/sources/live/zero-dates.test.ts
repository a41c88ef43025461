import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMariaDb } from '../../../src/servers/mariadb.js';
import type { RunningServer } from '../../../src/servers/server.js';
import { connectClient } from '../../harness/clients.js';
import { runCli, type Scratch, type SqlClient, scratch } from '../../harness/index.js';

let s: Scratch;
let strict: RunningServer;
let strictUrl: string;
let strictClient: SqlClient;

const EVENTS =
  'CREATE TABLE ev (id int PRIMARY KEY, d date NULL, dt datetime NULL, ts timestamp NULL, note varchar(10))';

beforeAll(async () => {
  [s, strict] = await Promise.all([
    scratch('mysql'),
    // A target as MySQL 8 sets one up by default: strict, and no zero dates.
    startMariaDb({
      settings: { 'sql-mode': 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,NO_ENGINE_SUBSTITUTION' },
    }),
  ]);
  // the source server allows zero dates (its sql_mode has no NO_ZERO_DATE)
  await s.source.exec(`${EVENTS}; INSERT INTO ev VALUES
    (1, '2024-01-01', '2024-01-01 10:00:00', '2024-01-01 10:00:00', 'a'),
    (2, '0000-00-00', '2024-02-01 00:00:00', '0000-00-00 00:00:00', 'zero'),
    (3, '2024-03-01', '0000-00-00 00:00:00', NULL, 'zero dt'),
    (4, '2024-00-10', NULL, NULL, 'zero in')`);
  strictUrl = `${strict.url}app`;
  const admin = await connectClient('mysql', strict.url);
  await admin.exec('CREATE DATABASE app');
  await admin.close();
  strictClient = await connectClient('mysql', strictUrl);
}, 180_000);

afterAll(async () => {
  await strictClient?.close();
  await s?.close();
  await strict?.stop();
});

const restoreEv = (to: string) =>
  runCli(['restore', 'ev', '--from', s.sourceUrl, '--to', to, '--yes', '--json']);

describe('zero dates from a live MySQL/MariaDB source', () => {
  it('land exactly in a target whose sql_mode takes them, merged or into an emptied table', async () => {
    await s.target.exec(
      `${EVENTS}; INSERT INTO ev VALUES (1, '2024-01-01', '2024-01-01 10:00:00', '2024-01-01 10:00:00', 'a')`,
    );
    const merged = await restoreEv(s.targetUrl);
    expect(merged.code).toBe(0);
    expect(JSON.parse(merged.stdout).plan).toMatchObject({ missing: 3, same: 1 });
    const expected = await s.dump('source', 'ev', ['id']);
    expect(expected[1]).toBe('2\t0000-00-00\t2024-02-01 00:00:00\t0000-00-00 00:00:00\tzero');
    expect(await s.dump('target', 'ev', ['id'])).toEqual(expected);
    await s.target.exec('DELETE FROM ev');
    const direct = await restoreEv(s.targetUrl);
    expect(direct.code).toBe(0);
    expect(JSON.parse(direct.stdout).path).toBe('direct');
    expect(await s.dump('target', 'ev', ['id'])).toEqual(expected);
  });

  it('are refused before anything is written into a target whose sql_mode rejects them, naming column and key', async () => {
    await strictClient.exec(
      `${EVENTS}; INSERT INTO ev VALUES (1, '2024-01-01', '2024-01-01 10:00:00', NULL, 'a')`,
    );
    const result = await restoreEv(strictUrl);
    const error = JSON.parse(result.stdout).error as { code: string; message: string; hint: string };
    expect(result.code).toBe(4);
    expect(error.code).toBe('schema-mismatch');
    expect(error.message).toBe(
      "The source holds 4 dates of ev that the target's sql_mode (NO_ZERO_DATE, NO_ZERO_IN_DATE) refuses: d '0000-00-00' at id=2; ts '0000-00-00 00:00:00' at id=2; dt '0000-00-00 00:00:00' at id=3; d '2024-00-10' at id=4. Nothing was written.",
    );
    expect(error.hint).toBe(
      "rowback writes values exactly, and the target refuses these zero dates (its application cannot write them either). To restore them as they were, let the target take them for the restore (SET GLOBAL sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'), or change them on the source first (it holds a copy of the past, not the live data).",
    );
    expect(await strictClient.query('SELECT id, d, dt, note FROM ev ORDER BY id')).toEqual([
      ['1', '2024-01-01', '2024-01-01 10:00:00', 'a'],
    ]);
    // into the emptied table too, where rows would go straight in
    await strictClient.exec('DELETE FROM ev');
    const direct = await restoreEv(strictUrl);
    expect(direct.code).toBe(4);
    expect(JSON.parse(direct.stdout).error.message).toMatch(/^The source holds 4 dates of ev that/);
    expect(await strictClient.query('SELECT id FROM ev')).toEqual([]);
  });
});
