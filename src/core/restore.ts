import type { ApplyResult } from '../engines/legacy.js';
import { defaultOperator, recordRun } from './audit.js';
import { throwIfAborted } from './connect.js';
import { directPathFits, restoreDirect } from './direct.js';
import { RowbackError, wrapError } from './errors.js';
import { newId } from './ids.js';
import type { Preview, RestoreOptions, RestoreReport } from './options.js';
import type { AppliedCounts, Policy } from './plan.js';
import { classify, type Prepared, previewOf, stageSource, withPrepared } from './prepare.js';
import { redactUrl } from './redact.js';
import { writeScriptFile } from './script-file.js';
import { discardingUndo, openUndoFile } from './undo-file.js';

const NOTHING: AppliedCounts = { inserted: 0, updated: 0, deleted: 0 };

/**
 * Puts the source rows back into the target, merged with what was written since, in one transaction:
 * preview, confirm, apply under a lock with a re-check, verify, keep an undo file, append an audit record.
 */
export async function restore(options: RestoreOptions): Promise<RestoreReport> {
  const started = Date.now();
  const id = newId('r');
  const stateDir = options.stateDir ?? '.rowback';
  const policy: Policy = { changed: options.changed ?? 'keep-current', extra: options.extra ?? 'keep' };
  let report: RestoreReport | undefined;
  let failure: RowbackError | undefined;
  try {
    report = await withPrepared(options, async (p) => {
      refuseNonTransactional(p, options);
      if (directPathFits(p, options)) {
        const direct = await restoreDirect(p, options, id, stateDir, policy, started);
        if (direct) return direct;
      }
      return restoreStaged(p, options, id, stateDir, policy, started);
    });
    return report;
  } catch (error) {
    failure = wrapError(error, `restore of ${options.table}`);
    throw failure;
  } finally {
    await recordRun(
      stateDir,
      {
        command: 'restore',
        id,
        operator: options.operator ?? defaultOperator(),
        table: options.table,
        target: redactUrl(options.to),
        source: redactUrl(options.from),
        policy,
        ...(options.where === undefined ? {} : { where: options.where }),
        ...(report ? { plan: report.plan, applied: report.applied } : {}),
      },
      started,
      report?.outcome,
      failure,
    );
  }
}

function refuseNonTransactional(p: Prepared, options: RestoreOptions): void {
  if (p.target.transactional || options.sqlOut) return;
  throw new RowbackError(
    'not-transactional',
    `Table ${p.tableLabel} uses the ${p.target.storage ?? 'non-transactional'} storage engine, which cannot apply a restore atomically.`,
    {
      hint: 'Use `rowback diff` to see the differences or `--sql-out FILE` to get a script; or convert the table to InnoDB.',
    },
  );
}

/** Stage the source on the target, classify, preview, confirm, then apply (or write the script). */
async function restoreStaged(
  p: Prepared,
  options: RestoreOptions,
  id: string,
  stateDir: string,
  policy: Policy,
  started: number,
): Promise<RestoreReport> {
  const progress = options.onProgress ?? (() => {});
  const staged = await stageSource(p, progress);
  throwIfAborted(options.signal);
  progress({ step: 'plan', message: 'classifying rows' });
  const c = await classify(p.sessions.target, staged, p.where, policy, options.samples ?? 5);
  const preview = previewOf(p, id, policy, c.plan, c);
  const where = p.where === undefined ? {} : { where: p.where };
  const done = (
    rest: Partial<RestoreReport> & Pick<RestoreReport, 'outcome' | 'applied'>,
  ): RestoreReport => ({
    ...preview,
    command: 'restore',
    path: 'staged',
    sequences: [],
    ...rest,
    durationMs: Date.now() - started,
  });

  if (options.sqlOut) {
    progress({ step: 'script', message: `writing ${options.sqlOut}` });
    await writeScriptFile(options.sqlOut, (write) =>
      p.sessions.target.script(staged, { policy, ...where, write }),
    );
    return done({ outcome: 'script', applied: NOTHING, sqlOut: options.sqlOut });
  }
  if (c.missingParents.length && !options.skipForeignKeyChecks) throw missingParentError(p, c.missingParents);
  const { inserted, updated, deleted } = preview.intended;
  if (inserted + updated + deleted === 0) return done({ outcome: 'nothing-to-do', applied: NOTHING });
  if (options.confirm && !(await options.confirm(preview))) {
    throw new RowbackError('declined', 'Restore declined; nothing was written.');
  }
  throwIfAborted(options.signal);

  const undo = options.dryRun ? undefined : await openUndoFile(stateDir, p, id);
  let result: ApplyResult;
  try {
    result = await p.sessions.target.apply(staged, {
      policy,
      expected: c.plan,
      undo: undo ?? discardingUndo,
      ...where,
      ...(options.disableTriggers ? { disableTriggers: true } : {}),
      ...(options.skipForeignKeyChecks ? { skipForeignKeyChecks: true } : {}),
      ...(options.dryRun ? { dryRun: true } : {}),
      onProgress: (step, rows) => progress({ step: 'apply', rows, message: step }),
    });
  } catch (error) {
    await undo?.finish('rolled-back');
    throw error;
  }
  await undo?.finish('committed', result.applied);
  return done({
    plan: result.plan,
    warnings: [...preview.warnings, ...result.warnings],
    outcome: options.dryRun ? 'dry-run' : 'applied',
    applied: result.applied,
    verification: result.verification,
    sequences: result.sequences,
    ...(undo ? { undoFile: undo.dir } : {}),
  });
}

function missingParentError(p: Prepared, parents: Preview['missingParents']): RowbackError {
  const lines = parents.map(
    (m) =>
      `${m.rows} row(s) reference ${m.parent} (${m.columns.join(', ')}) through ${m.foreignKey}, e.g. ${m.sample.join(', ')}`,
  );
  return new RowbackError(
    'missing-parent',
    `Restoring ${p.tableLabel} would break foreign keys: ${lines.join('; ')}. Nothing was written.`,
    {
      hint: 'Restore the parent rows first (rowback restore <parent-table> …), or narrow the restore with --where.',
      details: { missingParents: parents },
    },
  );
}
