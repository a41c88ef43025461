import { createHash } from 'node:crypto';
import { encodeField } from '../../src/core/rows.js';
import type { SqlClient } from '../harness/index.js';
import { type ArchivingServer, serverNow, startArchivingServer } from '../sources/postgres-pitr/fixture.js';

/** What `rowback drill --json` prints. */
export interface DrillJson {
  outcome: 'passed' | 'failed';
  table: string;
  source: string;
  scratch: string;
  asOf?: string;
  steps: {
    step: string;
    ok: boolean;
    durationMs: number;
    detail: string;
    error?: { code: string; message: string };
  }[];
  timeToRecoveryMs: number;
  restored?: { rows: number; checksum: string };
  liveTable?: { rows: number; checksum: string };
  comparison: 'match' | 'differs' | 'skipped';
  failure?: { step: string; error?: { code: string; message: string } };
  warnings: string[];
}

/**
 * The checksum docs/point-in-time.md states, computed here on its own: the sum of the first 64 bits of
 * each row's SHA-256 (the row as a text-row-format line), mod 2^64, as 16 hex digits.
 */
export function expectedChecksum(lines: string[]): { rows: number; checksum: string } {
  let sum = 0n;
  for (const line of lines) sum += createHash('sha256').update(line, 'utf8').digest().readBigUInt64BE(0);
  return { rows: lines.length, checksum: (sum % (1n << 64n)).toString(16).padStart(16, '0') };
}

/** A table's rows as text-row-format lines (values escaped as COPY writes them), in key order. */
export async function textRows(client: SqlClient, table: string, key: string): Promise<string[]> {
  const rows = await client.query(`SELECT * FROM ${table} ORDER BY ${key}::text COLLATE "C"`);
  return rows.map((row) => row.map((value) => encodeField(value).toString('utf8')).join('\t'));
}

/** The story a drill rehearses on a self-hosted PostgreSQL with WAL archiving. */
export interface DrillStory {
  pg: ArchivingServer;
  db: SqlClient;
  backup: string;
  asOf: string;
  /** The tables as they were at as-of, captured then. */
  atAsOf: { billing: string[]; plans: string[] };
  stop(): Promise<void>;
}

/**
 * A base backup; writes after it (some with a tab and a backslash); the moment as-of; an accident on
 * billing (150 rows deleted) and writes since. `plans` is not written after as-of: the live table then
 * equals the one restored.
 */
export async function drillStory(): Promise<DrillStory> {
  const pg = await startArchivingServer();
  const db = await pg.createDatabase('app');
  await db.exec(`CREATE TABLE billing (id int PRIMARY KEY, account int NOT NULL, amount numeric(12,2),
                   note text, at timestamptz);
                 INSERT INTO billing SELECT g, g % 7, g * 1.25, 'row ' || g,
                   '2026-11-24 09:00:00+00'::timestamptz + g * interval '1 min' FROM generate_series(1, 200) g;
                 CREATE TABLE plans (code text PRIMARY KEY, price numeric(8,2) NOT NULL);
                 INSERT INTO plans VALUES ('basic', 9.99), ('pro', 29.5);`);
  const backup = await pg.baseBackup();
  await db.exec(`UPDATE billing SET note = E'tab\\there \\\\ backslash' WHERE id <= 5;
                 INSERT INTO billing SELECT g, 9, g, NULL, NULL FROM generate_series(201, 220) g;
                 INSERT INTO plans VALUES (E'odd\\tone', 0), ('team', 99.00);`);
  await pg.switchWal();
  const atAsOf = { billing: await textRows(db, 'billing', 'id'), plans: await textRows(db, 'plans', 'code') };
  const asOf = await serverNow(db);
  await new Promise((resolve) => setTimeout(resolve, 20));
  await db.exec(`DELETE FROM billing WHERE id <= 150;
                 INSERT INTO billing SELECT g, 1, g, 'written since', NULL FROM generate_series(221, 230) g;`);
  await pg.switchWal();
  return {
    pg,
    db,
    backup,
    asOf,
    atAsOf,
    async stop() {
      await db.close();
      await pg.stop();
    },
  };
}
