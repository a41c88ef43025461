import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { PgSession } from './connect.js';
import { copyOut } from './read.js';

/*
 * An INSERT into a table with INSERT rules is rewritten by them: Sakila's `payment` sends a 2007 row to a
 * monthly child with `payment_id` DEFAULT, so a restored row would come back elsewhere, under a new key.
 * COPY fires no rules (triggers still fire), and needs no more than the INSERT privilege, so rows bound
 * for such a table are copied in instead: out of the staged table to the client, and back in.
 */

/** Those of `tables` (quoted names) that have an enabled INSERT rule, each with its rules' names. */
export async function tablesWithInsertRules(
  client: pg.Client,
  tables: string[],
): Promise<Map<string, string[]>> {
  const found = await client.query<{ name: string; rule: string }>(
    `SELECT t AS name, r.rulename AS rule FROM unnest($1::text[]) AS t
     JOIN pg_rewrite r ON r.ev_class = to_regclass(t) AND r.ev_type = '3' AND r.ev_enabled <> 'D'
     ORDER BY 1, 2`,
    [tables],
  );
  const rules = new Map<string, string[]>();
  for (const row of found.rows) rules.set(row.name, [...(rules.get(row.name) ?? []), row.rule]);
  return rules;
}

/**
 * Inserts the rows of `select` into `table` (a quoted name) with COPY, so no rule rewrites them. One
 * session cannot run two COPYs at once, so the rows wait in a private file (0600 in a 0700 directory)
 * removed at once. Returns rows written.
 */
export async function copyRowsInto(
  session: PgSession,
  table: string,
  columns: string,
  select: string,
): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'rowback-rows-'));
  const file = join(dir, 'rows');
  try {
    await pipeline(
      copyOut(session, select, `reading the rows to copy into ${table}`),
      createWriteStream(file, { flags: 'wx', mode: 0o600 }),
    );
    const sink = session.client.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN`));
    await pipeline(createReadStream(file), sink);
    return sink.rowCount;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
