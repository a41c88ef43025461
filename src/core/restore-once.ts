import { applyStaged, isGrown } from './apply.js';
import { RowbackError } from './errors.js';
import type { Preview, RestoreReport } from './options.js';
import { totalWrites } from './policy.js';
import { classifyOptions, inspect, previewOf, type StagedSource } from './preview.js';
import { missingParentError } from './refusals.js';
import { applyFlags, confirmPreview, identityNow, type Run, report, unapplied } from './restore-run.js';
import { discardingUndo, openUndoFile } from './undo-file.js';

/**
 * A staged restore with nobody to confirm, on an engine that cannot prove a plan built before its lock
 * still holds: lock, classify once under the lock, show the plan, refuse what must be refused (more than
 * --max-changes, missing parents: rolled back, nothing written), then write and verify in the same
 * transaction. What is shown is what is applied, so a plan cannot grow behind the preview.
 */
export async function restoreOnce(run: Run, staged: StagedSource): Promise<RestoreReport> {
  const { p, options, policy } = run;
  const target = p.sessions.target;
  const progress = options.onProgress ?? (() => {});
  const undo = options.dryRun ? undefined : await openUndoFile(run.stateDir, p, run.id);
  const onProgress = (step: string, rows: number) => progress({ step: 'apply', rows, message: step });
  let shown: Preview | undefined;
  try {
    progress({ step: 'plan', message: 'locking and classifying rows' });
    const result = await applyStaged(target, staged.rows, {
      policy,
      ...classifyOptions(p, staged),
      ...applyFlags(options),
      undo: undo ?? discardingUndo,
      onProgress,
      clock: run.clock,
      decide: async (plan, counts) => {
        const c = await inspect(p, plan, counts, policy, options.samples ?? 5, run.clock);
        const preview = previewOf(p, run.id, policy, counts, c);
        shown = preview;
        if (c.missingParents.length && !options.skipForeignKeyChecks) {
          throw missingParentError(p.tableLabel, c.missingParents, target.engine.capabilities);
        }
        if (totalWrites(preview.intended) === 0) return false;
        await confirmPreview(run, preview);
        return true;
      },
    });
    if (result && isGrown(result)) throw new RowbackError('internal', 'a plan built once cannot grow');
    if (!result) {
      await undo?.finish('rolled-back');
      return unapplied(run, shown!, 'nothing-to-do');
    }
    if (undo) await undo.finish('committed', result.applied, await identityNow(p));
    return report(run, shown!, result, 'staged', options.dryRun ? 'dry-run' : 'applied', undo?.dir);
  } catch (error) {
    await undo?.finish('rolled-back');
    throw error;
  }
}
