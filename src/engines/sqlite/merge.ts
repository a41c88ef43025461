import { RowbackError } from '../../core/errors.js';
import type { TableSchema } from '../../core/table.js';
import type { MatchOrder, MergeKey } from '../engine.js';
import type { SqliteSession } from './connect.js';
import { keyCollations, rowidAlias } from './describe.js';
import { quoteIdent, userFilter } from './sql.js';

/**
 * How each key column is matched in a client-side merge, after SQLite's own equality (what the staged
 * plan's join uses):
 * - `integer`: an INTEGER PRIMARY KEY, which holds integers only, ordered as one;
 * - `binary`, `nocase`, `rtrim`: any other column, under the key's collation. The match field is a blob
 *   that is equal exactly when SQLite calls two values equal: numbers by value (integer 1 and real 1.0 are
 *   one key, as a unique index says), texts by their bytes after the collation's folding (NOCASE folds
 *   ASCII letters, RTRIM drops trailing spaces), blobs by their bytes; a text never equals a blob or a
 *   number. Rows are ordered by the same blob, so both sides agree on the order.
 * A collation of the application's own (registered at run time) cannot be followed: refused.
 */
type Form = 'integer' | 'binary' | 'nocase' | 'rtrim';

const COLLATIONS: Record<string, Form> = { BINARY: 'binary', NOCASE: 'nocase', RTRIM: 'rtrim' };

/** The MergeKey of a target table (see Connection.mergeKey). */
export function mergeKeyOf(session: SqliteSession, target: TableSchema): MergeKey {
  const key = target.key?.columns ?? [];
  const alias = rowidAlias(session.db, target.ref);
  const collations = keyCollations(session.db, target);
  const forms = key.map((column, i): Form => {
    if (column === alias) return 'integer';
    const collation = (collations[i] ?? 'BINARY').toUpperCase();
    const form = COLLATIONS[collation];
    if (form) return form;
    throw new RowbackError(
      'unsupported',
      `Key column ${column} of ${target.ref.schema}.${target.ref.name} uses the collation ${collation}, which only the application defines.`,
      { hint: 'Compare with --path staged, or name other key columns with --key.' },
    );
  });
  return {
    target,
    forms,
    order: forms.map((f): MatchOrder => (f === 'integer' ? 'integer' : 'bytes')),
    binary: [], // blobs already travel as x'…' text
  };
}

/** The match field of one key column of alias `t` (see Form). */
function matchField(form: string, column: string): string {
  const c = `t.${quoteIdent(column)}`;
  if (form === 'integer') return c;
  const folded = form === 'nocase' ? `lower(${c})` : form === 'rtrim' ? `rtrim(${c}, ' ')` : c;
  return `CAST(CASE typeof(${c})
    WHEN 'integer' THEN 'n' || ${c}
    WHEN 'real' THEN CASE WHEN ${c} = CAST(${c} AS INTEGER) THEN 'n' || CAST(${c} AS INTEGER)
                          ELSE 'n' || CAST(${c} AS TEXT) END
    WHEN 'text' THEN x'74' || CAST(${folded} AS BLOB)
    WHEN 'blob' THEN x'62' || ${c}
  END AS BLOB)`;
}

/** The select-list terms and ORDER BY of a merge read over alias `t`. */
export function mergeTerms(
  _session: SqliteSession,
  merge: MergeKey,
  scope: string | undefined,
): { fields: string[]; orderBy: string } {
  const key = merge.target.key?.columns ?? [];
  const fields = key.map((column, i) => matchField(merge.forms[i]!, column));
  const orderBy = fields.map((field) => `${field} COLLATE BINARY`).join(', ');
  // The filter decides a flag, not the rows read: it stays the WHERE of a sub-SELECT, as every user filter.
  if (scope !== undefined) {
    fields.push(`CAST(CASE WHEN EXISTS (SELECT 1 WHERE ${userFilter(scope)}) THEN 't' ELSE 'f' END AS BLOB)`);
  }
  return { fields, orderBy };
}

/**
 * Work tables go to the connection's own temp database, which is writable even when the database file is
 * not (read-only file or directory, a read-only mount): a SQLite target can always stage.
 */
export function stagingBlocked(): string | undefined {
  return undefined;
}
