import { RowbackError } from '../../core/errors.js';
import type { PlanCounts } from '../../core/plan.js';
import type { Session } from './connect.js';
import { findColumn, keyMatch, quoteIdent, quoteTable, sameBytes, tempName } from './sql.js';
import type { MysqlStaged } from './stage.js';

/** The plan table's class codes. */
export const CLASS = { missing: 'm', changed: 'c', same: 's', extra: 'x' } as const;

/** The key columns of a staged table's target (throws RowbackError('no-key') without one). */
export function stagedKey(staged: MysqlStaged): string[] {
  const key = staged.target.key?.columns;
  if (!key || key.length === 0) {
    throw new RowbackError(
      'no-key',
      `${staged.target.ref.schema}.${staged.target.ref.name} has no primary key or unique NOT NULL key.`,
      {
        hint: 'Name the columns that identify a row with --key.',
      },
    );
  }
  const absent = key.filter((k) => !staged.columns.includes(k));
  if (absent.length > 0)
    throw new RowbackError('schema-mismatch', `The source rows lack key column(s) ${absent.join(', ')}.`);
  return key;
}

/**
 * Classifies every staged row against the target on the server and materialises the result in a new
 * temporary plan table (class, staged row number, key), which every later step joins instead of
 * re-comparing. Keys match with the key's own collation; "changed" compares bytes (`CAST … AS BINARY`).
 * Extra rows are target rows under `where` whose key is not staged. Read-only for the target.
 */
export async function buildPlan(session: Session, staged: MysqlStaged, where?: string): Promise<string> {
  const key = stagedKey(staged);
  const target = quoteTable(staged.target.ref);
  const stage = quoteIdent(staged.table);
  const name = tempName('plan');
  const plan = quoteIdent(name);
  const rowClass = quoteIdent(staged.names.rowClass);
  const keyDefs = key.map((k) => `${quoteIdent(k)} ${findColumn(staged.target, k)!.type} NULL`);
  await session.exec(
    `CREATE TEMPORARY TABLE ${plan} (${rowClass} CHAR(1) CHARACTER SET ascii NOT NULL, ${quoteIdent(staged.names.row)} BIGINT NULL, ${keyDefs.join(', ')},
     INDEX (${quoteIdent(staged.names.row)}), INDEX (${key.map((k) => keyIndexPart(staged, k)).join(', ')}))`,
  );
  const keys = key.map((k) => quoteIdent(k));
  await session.exec(
    `INSERT INTO ${plan} (${rowClass}, ${quoteIdent(staged.names.row)}, ${keys.join(', ')})
     SELECT ${classOf(staged, key, target)}, s.${quoteIdent(staged.names.row)}, ${keys.map((k) => `s.${k}`).join(', ')}
     FROM ${stage} s${uniqueKey(staged) ? ` LEFT JOIN ${target} t ON ${keyMatch(key, 't', 's')}` : ''}`,
  );
  await session.exec(
    `INSERT INTO ${plan} (${rowClass}, ${keys.join(', ')})
     SELECT '${CLASS.extra}', ${keys.map((k) => `t.${k}`).join(', ')} FROM ${target} t
     WHERE ${where ? `(${where}) AND ` : ''}NOT EXISTS (SELECT 1 FROM ${stage} s WHERE ${keyMatch(key, 's', 't')})`,
  );
  if (staged.plan) await session.exec(`DROP TEMPORARY TABLE IF EXISTS ${quoteIdent(staged.plan)}`);
  staged.plan = name;
  return name;
}

/** A primary or unique NOT NULL key: at most one target row per staged row, and never NULL when matched. */
function uniqueKey(staged: MysqlStaged): boolean {
  return staged.target.key?.origin !== 'user';
}

/**
 * The class of staged row `s`. With a unique key one LEFT JOIN probe of the target's key index decides it;
 * a user key may match several target rows (one staged row must stay one plan row), so it asks EXISTS.
 */
function classOf(staged: MysqlStaged, key: string[], target: string): string {
  if (uniqueKey(staged)) {
    return `CASE WHEN t.${quoteIdent(key[0]!)} IS NULL THEN '${CLASS.missing}'
      WHEN ${sameBytes(staged.target, staged.columns, 't', 's')} THEN '${CLASS.same}' ELSE '${CLASS.changed}' END`;
  }
  return `CASE
       WHEN NOT EXISTS (SELECT 1 FROM ${target} t WHERE ${keyMatch(key, 't', 's')}) THEN '${CLASS.missing}'
       WHEN EXISTS (SELECT 1 FROM ${target} t WHERE ${keyMatch(key, 't', 's')} AND ${sameBytes(staged.target, staged.columns, 't', 's')}) THEN '${CLASS.same}'
       ELSE '${CLASS.changed}' END`;
}

function keyIndexPart(staged: MysqlStaged, column: string): string {
  const type = findColumn(staged.target, column)?.type ?? '';
  return /^(tiny|medium|long)?(text|blob)\b|^json\b/i.test(type)
    ? `${quoteIdent(column)}(255)`
    : quoteIdent(column);
}

/** Counts per class of a plan table. */
export async function planCounts(session: Session, staged: MysqlStaged, plan: string): Promise<PlanCounts> {
  const rowClass = quoteIdent(staged.names.rowClass);
  const counts: PlanCounts = { missing: 0, changed: 0, extra: 0, same: 0 };
  const rows = await session.text(
    `SELECT ${rowClass}, COUNT(*) FROM ${quoteIdent(plan)} GROUP BY ${rowClass}`,
  );
  for (const [code, n] of rows) {
    const name = (Object.keys(CLASS) as (keyof typeof CLASS)[]).find((k) => CLASS[k] === code);
    if (name) counts[name] = Number(n);
  }
  return counts;
}

/** Builds the plan and counts it. */
export async function classify(session: Session, staged: MysqlStaged, where?: string): Promise<PlanCounts> {
  return planCounts(session, staged, await buildPlan(session, staged, where));
}
