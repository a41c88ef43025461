import type { ClassifyOptions, Connection, Plan } from '../engines/engine.js';
import { RowbackError } from './errors.js';
import {
  type ChangedPolicy,
  EXCLUDABLE,
  type PlanCounts,
  type Policy,
  type RowClass,
  type SampleRow,
} from './plan.js';
import { formatTable, type TableSchema } from './table.js';
import { checkWhereShape } from './where.js';

/**
 * `--columns` and `--target-where`: what a restore may touch beyond its row subset. The restriction is
 * decided here once; engines receive it as classify options (see ClassifyOptions) and apply it set-based.
 */
export interface Restriction {
  /** The only columns compared and updated (key columns are compared too); undefined: every column. */
  columns: string[] | undefined;
  /** A condition on the target's current row that must hold for the row to be touched. */
  targetWhere: string | undefined;
}

/** What a plan was classified under, as engines keep it (see Plan.columns, Plan.targetWhere). */
export type Restricted = Pick<ClassifyOptions, 'columns' | 'targetWhere'>;

/** Checks the shape of `--target-where` before anything connects (as `--where`'s). */
export function targetWhereShape(targetWhere: string | undefined): string | undefined {
  if (targetWhere === undefined) return undefined;
  return checkWhereShape(targetWhere, '--target-where');
}

/**
 * Checks `--columns` against both tables: each names a column of the target (else a usage error listing
 * them) that the source has too (else a schema mismatch naming the side), and none is a key column: the
 * key identifies the row and is never rewritten by a column repair.
 */
export function checkColumns(
  asked: string[] | undefined,
  target: TableSchema,
  carried: string[],
  key: string[],
): string[] | undefined {
  if (asked === undefined) return undefined;
  const table = formatTable(target.ref);
  if (asked.length === 0) {
    throw new RowbackError('usage', '--columns names no column.', {
      hint: 'Give the columns to put back, comma-separated, e.g. --columns plan,seats.',
    });
  }
  const names = target.columns.map((c) => c.name);
  const unknown = asked.filter((c) => !names.includes(c));
  if (unknown.length > 0) {
    throw new RowbackError(
      'usage',
      `--columns names ${list(unknown)}, which ${table} in the target does not have.`,
      { hint: `Its columns are: ${names.join(', ')}.`, details: { columns: unknown, side: 'target' } },
    );
  }
  const keyed = asked.filter((c) => key.includes(c));
  if (keyed.length > 0) {
    throw new RowbackError(
      'usage',
      `--columns names the key column${keyed.length > 1 ? 's' : ''} ${list(keyed)}: the key identifies each row and is never rewritten by --columns.`,
      { hint: 'Leave key columns out of --columns; to match rows by other columns, use --key.' },
    );
  }
  const generated = target.columns.filter((c) => asked.includes(c.name) && c.generated !== 'no');
  if (generated.length > 0) {
    throw new RowbackError(
      'usage',
      `--columns names ${list(generated.map((c) => c.name))}, which ${table} computes itself (a generated column): it is never written.`,
      { hint: 'Name the columns it is computed from instead.' },
    );
  }
  const lacking = asked.filter((c) => !carried.includes(c));
  if (lacking.length > 0) {
    throw new RowbackError(
      'schema-mismatch',
      `--columns names ${list(lacking)}, which the source cannot give for ${table} (the source lacks it, or it is generated or retyped there).`,
      {
        hint: 'Name only columns both sides have with the same type.',
        details: { columns: lacking, side: 'source' },
      },
    );
  }
  return carried.filter((c) => asked.includes(c));
}

function list(names: string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}

/** The columns a plan compares and updates: the key and `plan.columns`, in staged order. */
export function comparedColumns(plan: Pick<Plan, 'staged' | 'columns'>): string[] {
  const { staged } = plan;
  if (!plan.columns) return staged.columns;
  const key = staged.target.key?.columns ?? [];
  const keep = new Set([...key, ...plan.columns]);
  return staged.columns.filter((c) => keep.has(c));
}

/**
 * The columns `verify` compares for rows of `written` classes: inserted (missing) rows were written
 * whole, updated (changed) rows only in the compared columns. With `plan.columns`, the core verifies the
 * two apart (see verifyPlan), so a call never mixes them.
 */
export function verifiedColumns(plan: Plan, written: RowClass[]): string[] {
  return written.includes('missing') ? plan.staged.columns : comparedColumns(plan);
}

/** The changed columns a sample shows: only the compared ones under `--columns`. */
export function restrictSamples(plan: Plan, samples: SampleRow[]): SampleRow[] {
  if (!plan.columns) return samples;
  const compared = new Set(comparedColumns(plan));
  return samples.map((s) =>
    s.changedColumns ? { ...s, changedColumns: s.changedColumns.filter((c) => compared.has(c)) } : s,
  );
}

/**
 * Asks the target whether `--target-where` is a boolean filter on the table, as `--where` is asked; the
 * engine's message names `--where`, so it is said again with the flag the user gave.
 */
export async function checkTargetWhere(
  target: Connection,
  table: TableSchema,
  targetWhere: string,
): Promise<void> {
  try {
    await target.checkWhere(table, targetWhere);
  } catch (error) {
    if (!(error instanceof RowbackError) || error.code !== 'bad-where') throw error;
    throw new RowbackError('bad-where', error.message.replace(/^--where\b/, '--target-where'), {
      hint: `Give one boolean SQL expression over the columns of ${formatTable(table.ref)} as it is now, e.g. --target-where "plan = 'free'".`,
      cause: error,
    });
  }
}

/**
 * `--backout` decides per row and column what to write (see core/backout.ts), so its rows are always
 * taken: set back, inserted again, and the accident's own inserts deleted.
 */
export const BACKOUT_POLICY: Policy = { changed: 'take-source', extra: 'delete' };

/** The default `--changed` policy: naming columns or a target condition says what to write. */
export function defaultChanged(options: { columns?: string[]; targetWhere?: string }): ChangedPolicy {
  return options.columns !== undefined || options.targetWhere !== undefined ? 'take-source' : 'keep-current';
}

/** Kept (excluded) class names in a plan table, for engines that store class names as text. */
export function keptClass(rowClass: RowClass): string {
  return `kept-${rowClass}`;
}

/**
 * The plan-table class of a target row under `--where` whose key the source holds outside it: never
 * extra, never written (see PlanCounts.outside). Engines that store class names as text use this name.
 */
export const OUTSIDE_CLASS = 'outside';

/** Adds `n` rows of a plan table's class `name` (a row class or a kept one) to `counts`. */
export function tally(counts: PlanCounts, name: string, n: number): void {
  if (name === OUTSIDE_CLASS) counts.outside = (counts.outside ?? 0) + n;
  else if (name.startsWith('kept-')) {
    const rowClass = name.slice('kept-'.length) as (typeof EXCLUDABLE)[number];
    if (!EXCLUDABLE.includes(rowClass)) return;
    counts.excluded ??= { missing: 0, changed: 0, extra: 0 };
    counts.excluded[rowClass] += n;
  } else if (name in counts) counts[name as RowClass] = n;
}

/** What `--columns` cannot be combined with, refused before any connection is opened. */
export function refuseRestriction(options: { columns?: string[]; backout?: string }, policy: Policy): void {
  // A backout deletes only rows the accident inserted, still as inserted: --columns limits what it sets back.
  if (options.columns === undefined || options.backout !== undefined) return;
  if (policy.extra === 'delete') {
    throw new RowbackError(
      'usage',
      '--columns puts back some columns of rows that exist; it cannot be combined with --extra delete, which removes whole rows.',
      {
        hint: 'Run without --extra delete (rows written since are kept), or without --columns for an exact rewind.',
      },
    );
  }
}

/** Rows per class; under a `targetWhere` the excluded counts are always there, zero or not. */
export async function planCounts(target: Connection, plan: Plan): Promise<PlanCounts> {
  const counts = await target.counts(plan);
  if (plan.targetWhere !== undefined) counts.excluded ??= { missing: 0, changed: 0, extra: 0 };
  return counts;
}
