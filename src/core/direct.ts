import type { ApplyResult } from '../engines/legacy.js';
import { throwIfAborted } from './connect.js';
import { RowbackError } from './errors.js';
import type { RestoreOptions, RestoreReport } from './options.js';
import type { Policy } from './plan.js';
import { type Prepared, previewOf, readOptions } from './prepare.js';
import { openUndoFile } from './undo-file.js';

/**
 * The direct path streams the source straight into the target, skipping the staging table. It is only
 * exact when the target has no row at all (nothing to merge with), nothing can reject a row half-way
 * (no foreign keys to check first) and nothing rewrites rows (no triggers, rules or inheritance routing).
 */
export function directPathFits(p: Prepared, options: RestoreOptions): boolean {
  return (
    !options.sqlOut &&
    !options.dryRun &&
    !p.origin &&
    p.target.partitioning !== 'inheritance' &&
    p.target.foreignKeys.length === 0 &&
    p.target.rules.length === 0 &&
    (p.target.triggers.length === 0 || options.disableTriggers === true)
  );
}

/**
 * Restores through the direct path when the target is empty. Returns undefined, having written nothing,
 * when it is not (or a writer got in first): the caller then merges through the staging table.
 */
export async function restoreDirect(
  p: Prepared,
  options: RestoreOptions,
  id: string,
  stateDir: string,
  policy: Policy,
  started: number,
): Promise<RestoreReport | undefined> {
  const progress = options.onProgress ?? (() => {});
  if (!(await p.sessions.target.isEmpty(p.target))) return undefined;
  const total = await p.sessions.source.count(p.source, p.where);
  if (total === 0) return undefined; // nothing to insert: the staged path reports it
  const preview = previewOf(p, id, policy, { missing: total, changed: 0, extra: 0, same: 0 });
  if (options.confirm && !(await options.confirm(preview))) {
    throw new RowbackError('declined', 'Restore declined; nothing was written.');
  }
  throwIfAborted(options.signal);
  const undo = await openUndoFile(stateDir, p, id);
  let result: ApplyResult | undefined;
  try {
    result = await p.sessions.target.applyDirect(p.target, p.sessions.source.read(p.source, readOptions(p)), {
      columns: p.columns,
      undo,
      ...(options.disableTriggers ? { disableTriggers: true } : {}),
      onProgress: (n) => progress({ step: 'apply', rows: n, total }),
    });
  } catch (error) {
    await undo.finish('rolled-back');
    throw error;
  }
  if (!result) {
    await undo.finish('rolled-back');
    return undefined;
  }
  await undo.finish('committed', result.applied);
  return {
    ...preview,
    command: 'restore',
    path: 'direct',
    plan: result.plan,
    warnings: [...preview.warnings, ...result.warnings],
    outcome: 'applied',
    applied: result.applied,
    verification: result.verification,
    sequences: result.sequences,
    undoFile: undo.dir,
    durationMs: Date.now() - started,
  };
}
