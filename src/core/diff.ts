import { defaultOperator, recordRun } from './audit.js';
import { type RowbackError, wrapError } from './errors.js';
import { newId } from './ids.js';
import type { DiffOptions, DiffReport } from './options.js';
import { DEFAULT_POLICY } from './plan.js';
import { classify, dropStaged, previewOf, stageSource, withPrepared } from './prepare.js';
import { isLegacy, labelOf, type Opener, throwIfAborted } from './sessions.js';
import { resolveStateDir } from './state-dir.js';

/**
 * Compares the source and the target table by key and reports every class of row. Read-only: the source
 * rows are staged into a temporary table on the target session and dropped afterwards; no table of the
 * target is written.
 */
export async function runDiff(options: DiffOptions, opener: Opener): Promise<DiffReport> {
  const started = Date.now();
  const id = newId('d');
  const progress = options.onProgress ?? (() => {});
  let report: DiffReport | undefined;
  let failure: RowbackError | undefined;
  try {
    report = await withPrepared(options, opener, async (p) => {
      const staged = await stageSource(p, progress);
      throwIfAborted(options.signal);
      progress({ step: 'plan', message: 'classifying rows' });
      const c = await classify(p, staged, DEFAULT_POLICY, options.samples ?? 5);
      const target = p.sessions.target;
      if (c.handle && !isLegacy(target)) await target.dropPlan(c.handle);
      await dropStaged(p, staged);
      return { ...previewOf(p, id, DEFAULT_POLICY, c.plan, c), command: 'diff' as const };
    });
    return report;
  } catch (error) {
    failure = wrapError(error, `diff of ${options.table}`);
    throw failure;
  } finally {
    await recordRun(
      resolveStateDir(options.stateDir),
      {
        command: 'diff',
        id,
        operator: options.operator ?? defaultOperator(),
        table: options.table,
        target: labelOf(options.to),
        source: labelOf(options.from),
        ...(options.where === undefined ? {} : { where: options.where }),
        ...(report ? { plan: report.plan } : {}),
      },
      started,
      report ? 'compared' : undefined,
      failure,
    );
  }
}
