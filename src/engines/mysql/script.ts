import type { TableSchema } from '../../core/table.js';
import type { ScriptOptions } from '../legacy.js';
import type { RawRow, Session } from './connect.js';
import { buildPlan, CLASS, planCounts, stagedKey } from './plan.js';
import {
  columnList,
  exactList,
  findColumn,
  keyMatch,
  literalFor,
  quoteIdent,
  quoteString,
  quoteTable,
} from './sql.js';
import type { MysqlStaged } from './stage.js';

/** Rows per INSERT statement, and the statement size after which a batch is cut short. */
const BATCH_ROWS = 500;
const BATCH_BYTES = 1 << 20;

/**
 * Writes the plan as a script for the `mysql` client (`mysql --binary-mode db < file`) that produces the same
 * table as `apply`: one transaction; values as exact literals (binary as hex, text as escaped utf8mb4
 * strings). Rows stream from the server to `write`; none are held in memory beyond one statement.
 */
export async function writeScript(
  session: Session,
  staged: MysqlStaged,
  options: ScriptOptions,
): Promise<void> {
  const target = staged.target;
  const key = stagedKey(staged);
  const plan = await buildPlan(session, staged, options.where);
  const counts = await planCounts(session, staged, plan);
  const sqlMode = (await session.scalar('SELECT @@SESSION.sql_mode')) ?? '';
  const t = quoteTable(target.ref);
  const p = quoteIdent(plan);
  const joinStage = `JOIN ${quoteIdent(staged.table)} s ON s.${quoteIdent(staged.names.row)} = p.${quoteIdent(staged.names.row)}`;
  await options.write(
    `-- rowback restore of ${inComment(`${target.ref.schema}.${target.ref.name}`)}: ${counts.missing} missing, ${counts.changed} changed, ${counts.extra} extra, ${counts.same} same\n` +
      `-- policy: changed ${options.policy.changed}, extra ${options.policy.extra}. Run with: mysql --binary-mode ${inComment(target.ref.schema)} < this-file\n` +
      `SET NAMES utf8mb4;\nSET time_zone = '+00:00';\nSET SESSION sql_mode = ${quoteString(sqlMode)};\nSTART TRANSACTION;\n`,
  );
  const cols = staged.columns;
  let batch: string[] = [];
  let size = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await options.write(`INSERT INTO ${t} (${columnList(cols)}) VALUES\n${batch.join(',\n')};\n`);
    batch = [];
    size = 0;
  };
  for await (const row of session.stream(
    `SELECT ${exactList(target, cols, 's')} FROM ${p} p ${joinStage} WHERE p.${quoteIdent(staged.names.rowClass)} = '${CLASS.missing}' ORDER BY p.${quoteIdent(staged.names.row)}`,
  )) {
    const tuple = `(${row.map((v, i) => literal(target, cols[i]!, v ?? null)).join(', ')})`;
    batch.push(tuple);
    size += tuple.length;
    if (batch.length >= BATCH_ROWS || size >= BATCH_BYTES) await flush();
  }
  await flush();
  if (options.policy.changed === 'take-source' && counts.changed > 0) {
    // One UPDATE per row, matched by key with the key's collation, exactly as apply matches it.
    for await (const row of session.stream(
      `SELECT ${exactList(target, cols, 's')} FROM ${p} p ${joinStage} WHERE p.${quoteIdent(staged.names.rowClass)} = '${CLASS.changed}' ORDER BY p.${quoteIdent(staged.names.row)}`,
    )) {
      const set = cols.map((c, i) => `${quoteIdent(c)} = ${literal(target, c, row[i] ?? null)}`).join(', ');
      await options.write(`UPDATE ${t} SET ${set} WHERE ${keyWhere(target, key, cols, row)};\n`);
    }
  }
  if (options.policy.extra === 'delete' && counts.extra > 0) {
    for await (const row of session.stream(
      `SELECT ${exactList(target, key, 't')} FROM ${p} p JOIN ${t} t ON ${keyMatch(key, 't', 'p')} WHERE p.${quoteIdent(staged.names.rowClass)} = '${CLASS.extra}'`,
    )) {
      await options.write(`DELETE FROM ${t} WHERE ${keyWhere(target, key, key, row)};\n`);
    }
  }
  await options.write('COMMIT;\n');
}

function keyWhere(target: TableSchema, key: string[], columns: string[], row: RawRow): string {
  return key
    .map((k) => {
      const value = row[columns.indexOf(k)] ?? null;
      return `${quoteIdent(k)} <=> ${literal(target, k, value)}`;
    })
    .join(' AND ');
}

/** The exact SQL literal for a value of one of the target's columns. */
export function literal(target: TableSchema, column: string, value: Buffer | null): string {
  return literalFor(findColumn(target, column)?.type ?? '', value);
}

/** A name inside a `--` comment: a line break in it would end the comment and start a statement. */
function inComment(text: string): string {
  return text.replace(/[\r\n\x00-\x1f]/g, ' ');
}
