/** What to do with rows present on both sides whose values differ. */
export type ChangedPolicy = 'keep-current' | 'take-source';
/** What to do with rows present only in the target (written since). */
export type ExtraPolicy = 'keep' | 'delete';

export interface Policy {
  changed: ChangedPolicy;
  extra: ExtraPolicy;
}

export const DEFAULT_POLICY: Policy = { changed: 'keep-current', extra: 'keep' };

export type RowClass = 'missing' | 'changed' | 'extra' | 'same';

/** Rows per class, by key. `missing`/`changed`/`same` count source keys; `extra` counts target keys. */
export interface PlanCounts {
  missing: number;
  changed: number;
  extra: number;
  same: number;
  /**
   * With `--target-where`: rows of each class the condition kept out of the plan (never written), not
   * counted in the classes above. A missing row has no current row, so every one is kept.
   */
  excluded?: Excluded;
  /**
   * With `--where`: target rows under it whose key the source holds outside it (an UPDATE since moved
   * them into the subset). Not extra, so never deleted: kept, and counted apart from the classes above.
   * Known when the source was read whole (a dump; a live source under `--extra delete`, and diff).
   */
  outside?: number;
}

/** Rows per class that `--target-where` excluded. */
export interface Excluded {
  missing: number;
  changed: number;
  extra: number;
}

/** The classes a `--target-where` can exclude rows of. */
export const EXCLUDABLE = ['missing', 'changed', 'extra'] as const;

/** A row shown as an example of its class. Values are the engine's text; binary values are hex (`\x…`). */
export interface SampleRow {
  class: RowClass;
  key: Record<string, string | null>;
  /** The source row (missing, changed, same). */
  source?: Record<string, string | null>;
  /** The target row (changed, extra, same). */
  target?: Record<string, string | null>;
  /** For changed rows: the columns whose text differs. */
  changedColumns?: string[];
  /** The row is of `class`, but `--target-where` kept it: it is never written. */
  kept?: boolean;
  /** The target row matches `--where` now, but the source's row of its key does not: kept (see PlanCounts.outside). */
  outside?: boolean;
}

/** Source rows that reference a parent row the target does not have. */
export interface MissingParent {
  foreignKey: string;
  columns: string[];
  parent: string;
  /** Number of rows to be written that reference a missing parent. */
  rows: number;
  /** A few of the missing parent keys, as text. */
  sample: string[];
}

export interface AppliedCounts {
  inserted: number;
  updated: number;
  deleted: number;
}

export interface Verification {
  /** Keys re-read after writing. */
  checked: number;
  /** Keys whose row does not match the plan's intent (a trigger may have changed it). */
  mismatched: number;
}

export function planTotal(plan: PlanCounts): number {
  const kept = plan.excluded ? plan.excluded.missing + plan.excluded.changed + plan.excluded.extra : 0;
  return plan.missing + plan.changed + plan.extra + plan.same + kept + (plan.outside ?? 0);
}

/** The counts an apply with this policy would write. */
export function intendedWrites(plan: PlanCounts, policy: Policy): AppliedCounts {
  return {
    inserted: plan.missing,
    updated: policy.changed === 'take-source' ? plan.changed : 0,
    deleted: policy.extra === 'delete' ? plan.extra : 0,
  };
}
