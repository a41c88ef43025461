import type { TableSchema } from '../../core/table.js';
import type { Staged } from '../engine.js';
import type { ScriptOptions } from '../legacy.js';
import { type PgSession, PINNED_SETTINGS } from './connect.js';
import { countPlan, createPlanTable, inReadTransaction, type PlanTable } from './plan.js';
import { collatableColumns } from './read.js';
import { setvalStatement } from './sequences.js';
import { byteOrder, columnList, keyJoin, qualified, quoteIdent, quoteLiteral } from './sql.js';
import { originColumn, stagedTable } from './stage.js';
import { overriding, resolveOrigins } from './writes.js';

const BATCH = 500;

/** Server-side literal of a column: `'text'` or `NULL`, escaped by the server (format %L rules). */
function literal(alias: string, column: string): string {
  return `quote_nullable((${alias}.${quoteIdent(column)})::text)`;
}

/** `"k1" = 'v1' AND …` built on the server for one row. */
function keyPredicate(key: string[], alias: string): string {
  return key
    .map((k) => `${quoteLiteral(quoteIdent(k) + ' = ')} || ${literal(alias, k)}`)
    .join(` || ' AND ' || `);
}

/** Streams rows of a query through a cursor, `BATCH` at a time, so no result is held whole. */
async function* cursorRows(session: PgSession, sql: string): AsyncIterable<string[]> {
  const cursor = quoteIdent(`rowback_script_${session.nextId++}`);
  await session.client.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`);
  for (;;) {
    const result = await session.client.query<string[]>({
      text: `FETCH ${BATCH} FROM ${cursor}`,
      rowMode: 'array',
    });
    for (const row of result.rows) yield row;
    if (result.rows.length < BATCH) break;
  }
  await session.client.query(`CLOSE ${cursor}`);
}

async function writeInserts(
  session: PgSession,
  staged: Staged,
  plan: PlanTable,
  order: string,
  options: ScriptOptions,
) {
  const target = staged.target;
  const originName = originColumn(staged);
  const origin = originName ? `s.${quoteIdent(originName)}` : 'NULL::text';
  // A chain of || rather than concat_ws(): a function takes at most 100 arguments, a table more columns.
  const values = `'(' || ${staged.columns.map((c) => literal('s', c)).join(` || ', ' || `) || "''"} || ')'`;
  const sql = `SELECT ${origin}, ${values} FROM ${stagedTable(staged)} AS s JOIN ${plan.table} AS p ON ${keyJoin(plan.key, 'p', 's')}
               WHERE p.${plan.classColumn} = 'missing' ORDER BY ${origin} COLLATE "C", ${order}`;
  const head = (table: string) =>
    `INSERT INTO ${table} (${columnList(staged.columns)}) ${overriding(target, staged.columns)} VALUES\n`;
  let current: string | null | undefined;
  let inBatch = 0;
  for await (const [rowOrigin, row] of cursorRows(session, sql)) {
    if (inBatch > 0 && (rowOrigin !== current || inBatch >= BATCH)) {
      await options.write(';\n');
      inBatch = 0;
    }
    if (inBatch === 0) {
      const tables = await resolveOrigins(session.client, target, [rowOrigin ?? null]);
      await options.write(head(tables.get(rowOrigin ?? null)!));
      current = rowOrigin;
    }
    await options.write(`${inBatch > 0 ? ',\n' : ''}  ${row}`);
    inBatch++;
  }
  if (inBatch > 0) await options.write(';\n');
}

async function writeUpdates(
  session: PgSession,
  staged: Staged,
  plan: PlanTable,
  order: string,
  options: ScriptOptions,
) {
  const fixed = new Set(staged.target.columns.filter((c) => c.identity === 'always').map((c) => c.name));
  // Key columns too: the key's equality may match a different text (see updateRows).
  const set = staged.columns.filter((c) => !fixed.has(c));
  if (set.length === 0) return;
  const assignments = set
    .map((c) => `${quoteLiteral(quoteIdent(c) + ' = ')} || ${literal('s', c)}`)
    .join(` || ', ' || `);
  const sql = `SELECT ${quoteLiteral(`UPDATE ${qualified(staged.target.ref)} SET `)} || ${assignments} || ' WHERE ' || ${keyPredicate(plan.key, 's')} || ';'
               FROM ${stagedTable(staged)} AS s JOIN ${plan.table} AS p ON ${keyJoin(plan.key, 'p', 's')}
               WHERE p.${plan.classColumn} = 'changed' ORDER BY ${order}`;
  for await (const [line] of cursorRows(session, sql)) await options.write(`${line}\n`);
}

async function writeDeletes(
  session: PgSession,
  target: TableSchema,
  plan: PlanTable,
  order: string,
  options: ScriptOptions,
) {
  const sql = `SELECT ${quoteLiteral(`DELETE FROM ${qualified(target.ref)} WHERE `)} || ${keyPredicate(plan.key, 's')} || ';'
               FROM ${plan.table} AS s WHERE s.${plan.classColumn} = 'extra' ORDER BY ${order}`;
  for await (const [line] of cursorRows(session, sql)) await options.write(`${line}\n`);
}

/**
 * Writes the plan as a psql script: BEGIN, the pinned settings, LOCK, INSERT … VALUES (into each row's
 * origin child), UPDATE, DELETE, sequence moves, COMMIT. Rows are read through a cursor and written as
 * they come. Run with `psql -v ON_ERROR_STOP=1 -f`; it produces the same table as apply.
 */
export async function writeScript(session: PgSession, staged: Staged, options: ScriptOptions): Promise<void> {
  const target = staged.target;
  const name = `${target.ref.schema}.${target.ref.name}`;
  await inReadTransaction(session, `writing the restore script for ${name}`, async () => {
    const plan = await createPlanTable(session, staged, options.where, true);
    const counts = await countPlan(session.client, plan);
    const order = byteOrder(plan.key, 's', await collatableColumns(session.client, target));
    const { policy } = options;
    await options.write(
      `-- rowback restore of ${name}: ${counts.missing} missing, ${counts.changed} changed, ${counts.extra} extra, ${counts.same} same\n` +
        `-- policy: changed ${policy.changed}, extra ${policy.extra}. Run with: psql -v ON_ERROR_STOP=1 -f <this file>\n` +
        `BEGIN;\n` +
        Object.entries(PINNED_SETTINGS)
          .map(([k, v]) => `SET LOCAL ${k} = ${quoteLiteral(v)};\n`)
          .join('') +
        `LOCK TABLE ${qualified(target.ref)} IN SHARE ROW EXCLUSIVE MODE;\n`,
    );
    await writeInserts(session, staged, plan, order, options);
    if (policy.changed === 'take-source') await writeUpdates(session, staged, plan, order, options);
    if (policy.extra === 'delete') await writeDeletes(session, target, plan, order, options);
    for (const seq of target.sequences) {
      await options.write(`${setvalStatement(target, seq.column, seq.name).replace(/\n/g, ' ')};\n`);
    }
    await options.write('COMMIT;\n');
  });
}
