import type { Connection, Plan } from '../engines/engine.js';
import type { MissingParent, Policy } from './plan.js';
import { deletes, writtenClasses } from './policy.js';
import { keyError, missingParentError, referencedError, unwritableError } from './refusals.js';
import { formatTable } from './table.js';

export interface CheckOptions {
  /** Return the rows that reference missing parents instead of refusing (the preview shows them). */
  collectParents?: boolean;
  /** The user turned foreign key checks off for the apply: no missing-parent check. */
  skipForeignKeyChecks?: boolean;
  /** How to name the rows a delete removes, and what to do when they are still referenced. */
  doomed?: { what: string; remedy: (child: string) => string };
}

/**
 * Refuses a plan that cannot be applied exactly, before anything is written: a key that does not
 * identify rows where no unique index enforces it (a `--key`, an inheritance parent), rows to delete that
 * other rows reference, changed rows differing in a column no UPDATE can set, rows to write whose parent
 * is missing. Returns the missing parents when asked to collect them.
 */
export async function checkPlan(
  target: Connection,
  plan: Plan,
  policy: Policy,
  options: CheckOptions = {},
): Promise<MissingParent[]> {
  const schema = plan.staged.target;
  const table = formatTable(schema.ref);
  if (schema.key?.origin === 'user' || schema.partitioning === 'inheritance') {
    const error = keyError(schema, await target.checkKey(plan.staged));
    if (error) throw error;
  }
  if (deletes(policy)) {
    const [first] = await target.referencing(plan);
    const doomed = options.doomed ?? {
      what: `Extra rows of ${table} to delete`,
      remedy: (child: string) =>
        `Restore ${child} first (its rows written since go with --extra delete), then run this again; or keep the extra rows (--extra keep).`,
    };
    if (first) throw referencedError(doomed.what, first, doomed.remedy(first.child));
  }
  if (policy.changed === 'take-source') {
    const [column] = await target.unwritable(plan);
    if (column) throw unwritableError(table, column);
  }
  if (options.skipForeignKeyChecks && !options.collectParents) return [];
  const parents = await target.missingParents(plan, writtenClasses(policy));
  if (parents.length > 0 && !options.collectParents) {
    throw missingParentError(table, parents, target.engine.capabilities);
  }
  return parents;
}
