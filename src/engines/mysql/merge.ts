import { imageColumns, type TableSchema } from '../../core/table.js';
import type { MatchOrder, MergeKey } from '../engine.js';
import { textGuard } from './charsets.js';
import type { Session } from './connect.js';
import { errorCode } from './errors.js';
import { findColumn, isBinaryType, isTextType, quoteIdent, tempName } from './sql.js';

/**
 * How each key column is matched in a client-side merge, after the key's own equality on the target (what
 * the staged plan's `<=>` join uses):
 * - `integer` (TINYINT … BIGINT, signed or not): the integer, ordered as one;
 * - `weight:<charset>:<collation>[:pad]` (CHAR, VARCHAR, TEXT, ENUM, SET): the value's weight string under
 *   the target column's collation, `WEIGHT_STRING(CONVERT(v USING charset) COLLATE collation)`, which is
 *   what that collation compares: 'a' and 'A' are one key under a `_ci` collation. A PAD SPACE collation
 *   (`:pad`) also calls 'a' and 'a ' equal, but WEIGHT_STRING keeps trailing spaces, so they are trimmed
 *   first;
 * - `float` (FLOAT, DOUBLE): the value as a DOUBLE's text, `-0` plus zero being `0` (`-0 = 0`);
 * - `bytes` (every other type: binary strings, DECIMAL at its fixed scale, dates and times, BIT, YEAR):
 *   the value's bytes.
 */
const INTEGER = /^(tinyint|smallint|mediumint|int|integer|bigint)\b/i;
const FLOAT = /^(float|double|real)\b/i;
const COLLATED = / CHARACTER SET (\w+) COLLATE (\w+)$/;

/** The MergeKey of a target table (see Connection.mergeKey). */
export async function mergeKeyOf(session: Session, target: TableSchema): Promise<MergeKey> {
  const key = target.key?.columns ?? [];
  const forms: string[] = [];
  for (const name of key) {
    const type = findColumn(target, name)?.type ?? '';
    const collated = COLLATED.exec(type);
    if (INTEGER.test(type)) forms.push('integer');
    else if (FLOAT.test(type)) forms.push('float');
    else if (isTextType(type) && collated) {
      const [, charset, collation] = collated as unknown as [string, string, string];
      const pad = await padsSpace(session, charset, collation);
      forms.push(`weight:${charset}:${collation}${pad ? ':pad' : ''}`);
    } else forms.push('bytes');
  }
  return {
    target,
    forms,
    // An integer prints one way and orders as one: equal fields are equal keys. Collated text (weights,
    // PAD SPACE), floats and other types' bytes only approximate the server's equality. A column whose
    // text may not survive the trip to UTF-8 (see textGuard) takes the staged path too, which reads only
    // the rows it writes: an ordered merge reads every row, and would stop at one it does not write.
    exact:
      forms.length > 0 &&
      forms.every((f) => f === 'integer') &&
      textGuard(
        target,
        imageColumns(target).map((c) => c.name),
      ) === undefined,
    order: forms.map((f): MatchOrder => (f === 'integer' ? 'integer' : 'bytes')),
    binary: target.columns.filter((c) => isBinaryType(c.type)).map((c) => c.name),
  };
}

/** Whether a collation ignores trailing spaces (PAD SPACE), asked of the server itself. */
async function padsSpace(session: Session, charset: string, collation: string): Promise<boolean> {
  const value = (a: string) => `CONVERT(${a} USING ${charset}) COLLATE ${collation}`;
  return (await session.scalar(`SELECT ${value("'a'")} = ${value("'a '")}`)) === '1';
}

/** The match field of one key column (unqualified: a merge read has one table), which is also its order. */
function matchField(form: string, column: string): string {
  const c = quoteIdent(column);
  if (form === 'integer') return c;
  if (form === 'float') return `CAST(${c} + 0e0 AS BINARY)`;
  const weight = /^weight:(\w+):(\w+)(:pad)?$/.exec(form);
  if (weight) {
    const text = `CONVERT(${c} USING ${weight[1]})`;
    const trimmed = weight[3] ? `TRIM(TRAILING ' ' FROM ${text})` : text;
    return `WEIGHT_STRING(${trimmed} COLLATE ${weight[2]})`;
  }
  return `CAST(${c} AS BINARY)`;
}

/** The select-list terms and ORDER BY of a merge read. */
export function mergeTerms(
  merge: MergeKey,
  scope: string | undefined,
): { fields: string[]; orderBy: string } {
  const key = merge.target.key?.columns ?? [];
  const terms = key.map((column, i) => matchField(merge.forms[i]!, column));
  // The filter decides a flag, not the rows read: it stays the WHERE of a SELECT, as every user filter.
  // IF gives 't' / 'f' like the other engines' booleans.
  const fields =
    scope === undefined ? terms : [...terms, `IF(EXISTS (SELECT 1 FROM DUAL WHERE (${scope})), 't', 'f')`];
  return { fields, orderBy: terms.join(', ') };
}

/**
 * Why this session cannot stage rows, found by creating and dropping a one-column temporary table: the
 * privilege, `read_only` / `super_read_only` and a read-only transaction mode all show there.
 */
export async function stagingBlocked(session: Session): Promise<string | undefined> {
  const probe = quoteIdent(tempName('probe'));
  try {
    await session.exec(`CREATE TEMPORARY TABLE ${probe} (x INT)`);
  } catch (error) {
    const code = errorCode(error);
    if (
      code === 'ER_DBACCESS_DENIED_ERROR' ||
      code === 'ER_TABLEACCESS_DENIED_ERROR' ||
      code === 'ER_SPECIFIC_ACCESS_DENIED_ERROR'
    ) {
      return 'the user may not create temporary tables (CREATE TEMPORARY TABLES privilege)';
    }
    if (code === 'ER_OPTION_PREVENTS_STATEMENT' || code === 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION') {
      return 'the server is read-only';
    }
    throw session.wrap(error, 'while checking whether the target can stage rows');
  }
  await session.exec(`DROP TEMPORARY TABLE IF EXISTS ${probe}`);
  return undefined;
}

/** Sorting by a key longer than max_sort_length bytes would compare only its start: lift the limit. */
export async function liftSortLimit(session: Session): Promise<void> {
  await session.exec('SET SESSION max_sort_length = 8388608');
}
