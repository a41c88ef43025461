import type pg from 'pg';
import type { Verification } from '../../core/plan.js';
import type { TableSchema } from '../../core/table.js';
import { keyJoin, qualified, textEquals } from './sql.js';

/**
 * Counts rows of `rows` (a FROM item with alias `s`, carrying the key and `columns`) that the target
 * does not hold with exactly the same text in every column.
 */
export async function countDifferent(
  client: pg.Client,
  target: TableSchema,
  key: string[],
  columns: string[],
  rows: string,
): Promise<number> {
  const result = await client.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM ${rows}
     WHERE NOT EXISTS (SELECT 1 FROM ${qualified(target.ref)} AS t WHERE ${keyJoin(key, 't', 's')} AND ${textEquals(columns, 's', 't')})`,
  );
  return Number(result.rows[0]!.n);
}

/** Counts keys of `rows` (a FROM item with alias `s`) that are still in the target. */
export async function countPresent(
  client: pg.Client,
  target: TableSchema,
  key: string[],
  rows: string,
): Promise<number> {
  const result = await client.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM ${rows}
     WHERE EXISTS (SELECT 1 FROM ${qualified(target.ref)} AS t WHERE ${keyJoin(key, 't', 's')})`,
  );
  return Number(result.rows[0]!.n);
}

export function addVerification(a: Verification, b: Verification): Verification {
  return { checked: a.checked + b.checked, mismatched: a.mismatched + b.mismatched };
}
