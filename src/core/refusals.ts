import type { Capabilities, Identity, KeyCheck, Referencing, UnwritableColumn } from '../engines/engine.js';
import { countText } from './count-text.js';
import { RowbackError } from './errors.js';
import type { AppliedCounts, MissingParent, SampleRow } from './plan.js';
import { formatTable, type TableSchema } from './table.js';

/*
 * Every refusal rowback makes before writing, worded once for every engine: what happened, why, what to do.
 */

/** Rows to write reference parent rows the target does not have. */
export function missingParentError(
  table: string,
  parents: MissingParent[],
  capabilities: Capabilities,
): RowbackError {
  const lines = parents.map(
    (m) =>
      `${m.rows} row(s) reference ${m.parent} (${m.columns.join(', ')}) through ${m.foreignKey}, e.g. ${m.sample.join(', ')}`,
  );
  const skip = capabilities.skipForeignKeyChecks ? ' --skip-foreign-key-checks writes them anyway.' : '';
  return new RowbackError(
    'missing-parent',
    `Writing these rows into ${table} would break foreign keys: ${lines.join('; ')}. Nothing was written.`,
    {
      hint: `Restore the parent rows first (rowback restore ${parents[0]?.parent ?? '<parent-table>'} …), or narrow the restore with --where.${skip}`,
      details: { missingParents: parents },
    },
  );
}

const EFFECTS: Record<string, (columns: string[]) => string> = {
  CASCADE: () => 'would be deleted with them',
  'SET NULL': (columns) => `would have ${columns.join(', ')} set to NULL`,
  'SET DEFAULT': (columns) => `would have ${columns.join(', ')} reset to its default`,
};

/**
 * Rows about to be deleted are still referenced: ON DELETE CASCADE / SET NULL would change rows of other
 * tables that no undo file records, NO ACTION / RESTRICT would fail (a DEFERRABLE key only at COMMIT).
 * `what` names the rows ("Extra rows of public.t to delete"); `remedy` says what to do.
 */
export function referencedError(what: string, found: Referencing, remedy: string): RowbackError {
  const effect = EFFECTS[found.onDelete]?.(found.columns) ?? 'would make the delete fail';
  return new RowbackError(
    'unsupported',
    `${what} are referenced by ${found.rows} row(s) of ${found.child} (${found.foreignKey}, ON DELETE ${found.onDelete}), which ${effect}; rowback does not change other tables. Nothing was written.`,
    {
      hint: remedy,
      details: {
        child: found.child,
        foreignKey: found.foreignKey,
        rows: found.rows,
        onDelete: found.onDelete,
      },
    },
  );
}

/** Changed rows differ in a column an UPDATE cannot set, so they could not be made equal to the source. */
export function unwritableError(table: string, found: UnwritableColumn): RowbackError {
  return new RowbackError(
    'unsupported',
    `${found.rows} changed row(s) of ${table} differ in "${found.column}", ${found.reason} (keys ${found.sample.join(', ')}). Nothing was written.`,
    {
      hint: `Run with --changed keep-current, or first ${found.remedy}.`,
      details: { column: found.column, rows: found.rows },
    },
  );
}

/**
 * The key does not identify rows: a NULL never matches (its row would be inserted again) and a repeated
 * value pairs rows with the wrong partners. Undefined when the key holds.
 */
export function keyError(schema: TableSchema, check: KeyCheck): RowbackError | undefined {
  const problems = [
    check.sourceNulls ? `${check.sourceNulls} source row(s) have a NULL in it` : '',
    check.sourceRepeats ? `${check.sourceRepeats} key value(s) occur more than once in the source` : '',
    check.targetNulls ? `${check.targetNulls} target row(s) have a NULL in it` : '',
    check.targetRepeats ? `${check.targetRepeats} key value(s) occur more than once in the target` : '',
  ].filter(Boolean);
  if (problems.length === 0) return undefined;
  const user = schema.key?.origin === 'user';
  const key = schema.key?.columns.join(',') ?? '';
  return new RowbackError(
    'no-key',
    `${user ? `--key ${key}` : `The key ${key}`} does not identify the rows of ${formatTable(schema.ref)}${user ? '' : ' across its child tables'}: ${problems.join('; ')}. Nothing was written.`,
    {
      hint: user
        ? 'Name columns that are NOT NULL and unique on both sides (a unique index on the target guarantees it).'
        : 'Give --key columns that are unique across the parent and all its child tables.',
    },
  );
}

/** A table whose storage cannot roll back gets no apply: an interruption would leave it half-restored. */
export function notTransactionalError(schema: TableSchema): RowbackError {
  return new RowbackError(
    'not-transactional',
    `Table ${formatTable(schema.ref)} uses the ${schema.storage ?? 'non-transactional'} storage engine, which cannot apply a restore atomically.`,
    {
      hint: 'Use `rowback diff` to see the differences or `--sql-out FILE` to get a script; or convert the table to a transactional engine (InnoDB).',
    },
  );
}

/** A flag the target's engine cannot honour, refused before anything is opened. */
export function capabilityError(flag: string, engine: string, why: string, instead: string): RowbackError {
  return new RowbackError('unsupported', `${flag} is not available on ${engine}: ${why}.`, {
    hint: instead,
  });
}

/** Under the lock the plan would write more of some kind than was shown and confirmed. */
export function planGrewError(table: string, grew: string[], shown: AppliedCounts): RowbackError {
  return new RowbackError(
    'plan-grew',
    `${table} changed since the preview: the plan now would ${grew.join(', ')} rows, more than was shown. Nothing was written.`,
    {
      hint: 'Run it again to see the new plan (writes may still be arriving), or allow a margin with --max-changes N (the most rows a restore may write in all).',
      details: { shown, grew },
    },
  );
}

/** The plan writes more rows than `--max-changes` allows. */
export function tooManyChangesError(table: string, writes: number, max: number): RowbackError {
  return new RowbackError(
    'plan-grew',
    `Restoring ${table} would write ${countText(writes)} row(s), more than --max-changes ${countText(max)}. Nothing was written.`,
    {
      hint: 'Review the plan with `rowback diff`, narrow it with --where, or raise --max-changes.',
      details: { writes, maxChanges: max },
    },
  );
}

/** The source streamed into an empty table yields more rows than `--max-changes` allows: stopped there. */
export function tooManyRowsError(table: string, max: number): RowbackError {
  return new RowbackError(
    'plan-grew',
    `Restoring ${table} would write more than --max-changes ${countText(max)} row(s): the source yielded row ${countText(max + 1)}, so the copy stopped there. Nothing was written.`,
    {
      hint: 'Review the plan with `rowback diff`, narrow it with --where, or raise --max-changes.',
      details: { maxChanges: max },
    },
  );
}

const PARTS = ['server', 'database', 'table'] as const;

/**
 * Where the recorded identity (of the database a restore wrote to) and this one differ; empty when they
 * are the same table of the same database of the same server.
 */
export function identityDifferences(recorded: Identity, found: Identity): string[] {
  const differences = PARTS.filter((part) => recorded[part] !== found[part]).map(
    (part) => `${part}: the restore wrote to ${recorded[part]}, this is ${found[part]}`,
  );
  // The table id only where both readings have it (reading it may take a privilege one user lacks).
  const ids = [recorded.tableId, found.tableId];
  if (!differences.some((d) => d.startsWith('table:')) && ids[0] && ids[1] && ids[0] !== ids[1]) {
    differences.push(
      `table: the restore wrote to ${recorded.table} (id ${ids[0]}), this is a table created again under that name (id ${ids[1]})`,
    );
  }
  return differences;
}

/** An undo (or any later step of a run) aimed at another database or table than the one written to. */
export function wrongTargetError(what: string, target: string, differences: string[]): RowbackError {
  return new RowbackError(
    'wrong-target',
    `${what} cannot run on ${target}: it is not the database and table the restore wrote to (${differences.join('; ')}). Nothing was changed, and the undo is still available.`,
    {
      hint: 'Point --to at the database the restore wrote to (see its target in audit.jsonl). If this is that database and it was moved, copied back or failed over since, run again with --skip-identity-check.',
      details: { differences },
    },
  );
}

/** Rows an undo would revert were changed since the restore: it would overwrite someone's later write. */
export function conflictError(
  table: string,
  rows: number,
  samples: SampleRow[],
  literal: boolean,
): RowbackError {
  const shown = samples.map((s) => conflictLine(s, literal));
  if (rows > samples.length) shown.push(`… and ${rows - samples.length} more`);
  return new RowbackError(
    'conflict',
    `${rows} row(s) of ${table} changed since the restore; the undo would overwrite those writes, so nothing was undone:\n${shown.map((l) => `  ${l}`).join('\n')}`,
    {
      hint: 'Undo reverts only rows still exactly as the restore left them. Repair these rows by hand, or restore again from the source.',
      details: {
        rows,
        sample: samples.map((s) => keyText(s.key)),
        now: samples.map((s) => ({ key: s.key, class: s.class, ...(s.target ? { row: s.target } : {}) })),
      },
    },
  );
}

/**
 * One row the undo would overwrite, with its values now: a row changed since shows the columns that
 * differ from what the restore left, when the undo file has the row (else every column); a row deleted
 * since has none; a row the restore deleted that is back shows what it holds.
 */
function conflictLine(sample: SampleRow, literal: boolean): string {
  const key = keyText(sample.key);
  if (sample.class === 'missing') return `${key}: deleted since`;
  const now = sample.target ?? {};
  const columns = (sample.changedColumns ?? Object.keys(now)).filter((c) => !(c in sample.key));
  const values = columns.map((c) => {
    const left =
      sample.changedColumns && sample.source
        ? ` (the restore left ${cut(sample.source[c] ?? null, literal)})`
        : '';
    return `${c} ${cut(now[c] ?? null, literal)}${left}`;
  });
  const back = sample.class === 'extra' ? ' (the restore deleted it; it is back)' : '';
  return `${key}${back}: now ${values.join(', ') || 'the same columns, other bytes'}`;
}

function keyText(key: Record<string, string | null>): string {
  return Object.entries(key)
    .map(([k, v]) => `${k}=${v ?? 'NULL'}`)
    .join(', ');
}

/** A value cut to a readable width: quoted text, or an SQL literal as it is (SQLite's say their type). */
function cut(value: string | null, literal: boolean): string {
  if (value === null) return 'NULL';
  const short = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return literal
    ? short.replace(/[\u0000-\u001f]/g, (c) => JSON.stringify(c).slice(1, -1))
    : JSON.stringify(short);
}

/** `--from` and `--to` reach the same table (another host alias, URL scheme, user or search_path). */
export function sameTableError(
  table: string,
  source: string,
  target: string,
  identity: Identity,
): RowbackError {
  return new RowbackError(
    'same-table',
    `--from and --to are the same table: ${identity.table} of ${identity.database} on ${identity.server}, reached as ${source} and as ${target}. A table cannot be restored from itself; no row was read or written.`,
    {
      hint: `Give --from a copy of ${table} from before the accident: a point-in-time restore, a replica stopped before it, a dump, or another table of this database with --from-table.`,
      details: { identity: { server: identity.server, database: identity.database, table: identity.table } },
    },
  );
}

/** What a diff of a table with itself says: it is not an error to compare, but rarely what was meant. */
export function sameTableNote(identity: Identity): string {
  return `--from and --to are the same table (${identity.table} of ${identity.database} on ${identity.server}): every row is compared with itself. A restore from it would be refused.`;
}
