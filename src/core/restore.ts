import type { Capabilities } from '../engines/engine.js';
import { applyStaged } from './apply.js';
import { defaultOperator, recordRun } from './audit.js';
import { directPathFits } from './direct.js';
import { isRowbackError, RowbackError, wrapError } from './errors.js';
import { newId } from './ids.js';
import { RestoreNotices } from './notify-restore.js';
import type { RestoreOptions, RestoreReport } from './options.js';
import type { Policy } from './plan.js';
import { totalWrites } from './policy.js';
import { readingWhole, sourceSize, withPrepared } from './prepare.js';
import { type Classified, classify, classifyOptions, previewOf, stageSource } from './preview.js';
import { capabilityError, missingParentError, notTransactionalError } from './refusals.js';
import { restoreDirect } from './restore-direct.js';
import { restoreOnce } from './restore-once.js';
import { orderedMergeFits, restoreOrdered } from './restore-ordered.js';
import {
  applyConfirmed,
  applyFlags,
  confirmPreview,
  identityNow,
  type Run,
  report,
  unapplied,
} from './restore-run.js';
import { BACKOUT_POLICY, defaultChanged, refuseRestriction } from './restrict.js';
import { refuseSameTable } from './same-table.js';
import { writeScript } from './script.js';
import { labelOf, type Opener, throwIfAborted } from './sessions.js';
import { sourceRestartOf } from './source.js';
import { ensurePrivateDir, resolveStateDir } from './state-dir.js';
import { StepTimings } from './timings.js';
import { discardingUndo, openUndoFile } from './undo-file.js';

/**
 * Puts the source rows back into the target, merged with what was written since, in one transaction:
 * preview, confirm, apply under a lock with a re-check, verify, keep an undo file, append an audit record.
 */
export async function runRestore(given: RestoreOptions, opener: Opener): Promise<RestoreReport> {
  const started = Date.now();
  const id = newId('r');
  const notices = new RestoreNotices(given, id);
  const options = notices.wrap();
  notices.started();
  const stateDir = resolveStateDir(options.stateDir);
  const policy: Policy =
    options.backout !== undefined
      ? BACKOUT_POLICY
      : { changed: options.changed ?? defaultChanged(options), extra: options.extra ?? 'keep' };
  let report: RestoreReport | undefined;
  let failure: RowbackError | undefined;
  try {
    const notes = await ensurePrivateDir(stateDir);
    const engine = await opener.engine(options.to);
    refuseUnsupported(options, engine.name, engine.capabilities);
    refuseRestriction(options, policy);
    const clock = new StepTimings();
    const connecting = process.hrtime.bigint();
    report = await withPrepared(options, opener, async (prepared) => {
      const p = policy.extra === 'delete' ? readingWhole(prepared) : prepared;
      clock.add('connect', process.hrtime.bigint() - connecting);
      await refuseSameTable(p);
      if (!p.target.transactional && !options.sqlOut) throw notTransactionalError(p.target);
      if (notices.notifier.enabled) notices.ready(p.sourceLabel, (await sourceSize(p)).rows);
      const run = { p, options, id, stateDir, policy, started, clock };
      const filtered = p.where !== undefined && !p.sourceFilters;
      // An empty target has no current row for --target-where, or a backout's re-check, to hold on.
      const guarded = p.restriction.targetWhere !== undefined || p.readRows !== undefined;
      const once = async () => {
        let done: RestoreReport | undefined;
        if (directPathFits(p, options) && !filtered && !guarded) done = await restoreDirect(run);
        if (!done && orderedMergeFits(run)) done = await restoreOrdered(run);
        return done ?? (await restoreStaged(run));
      };
      // Rows a source streamed turned out not to count: the apply rolled back; its next read is exact.
      const done = await once().catch(async (error: unknown) => {
        const restart = sourceRestartOf(error);
        if (!restart) throw withSourceWarnings(error, p.warnings);
        options.onProgress?.({ step: 'source', message: 'reading the source again' });
        const again = await once();
        again.warnings.push(`Applied on a second try. ${restart.message}`);
        return again;
      });
      // Said before the source is closed: removing a cloud instance may take minutes.
      notices.applied(done);
      return done;
    });
    report.warnings.push(...notes);
    return report;
  } catch (error) {
    failure = wrapError(error, `restore of ${options.table}`);
    notices.failed(failure);
    throw failure;
  } finally {
    await notices.notifier.flush();
    await recordRun(
      stateDir,
      {
        command: 'restore',
        id,
        operator: options.operator ?? defaultOperator(),
        table: options.table,
        target: labelOf(options.to),
        source: labelOf(options.from),
        policy,
        ...(options.where === undefined ? {} : { where: options.where }),
        ...(options.columns === undefined ? {} : { columns: options.columns }),
        ...(options.targetWhere === undefined ? {} : { targetWhere: options.targetWhere }),
        ...(report?.backout
          ? {
              backout: {
                range: report.backout.range,
                conflicts: report.backout.counts.conflicts,
                conflictPolicy: report.backout.conflictPolicy,
              },
            }
          : {}),
        ...(report ? { plan: report.plan, applied: report.applied } : {}),
      },
      started,
      report?.outcome,
      failure,
    );
  }
}

/**
 * A value the target refused (exit 4) may be one the source warned about, a warning the preview would
 * have shown had the apply got that far: a --skip-tz-utc dump's TIMESTAMP past 2038 once read as UTC, say.
 * The warnings go with the error, in its hint and its details.
 */
function withSourceWarnings(error: unknown, warnings: string[]): unknown {
  if (!warnings.length || !isRowbackError(error)) return error;
  if (error.code !== 'schema-mismatch' && error.code !== 'unsupported') return error;
  return new RowbackError(error.code, error.message, {
    cause: error.cause ?? error,
    hint: [error.hint, `The source warned: ${warnings.join(' ')}`].filter(Boolean).join(' '),
    details: { ...error.details, warnings },
  });
}

/** Flags the target's engine cannot honour, refused before any connection is opened. */
export function refuseUnsupported(
  options: { disableTriggers?: boolean; skipForeignKeyChecks?: boolean },
  engine: string,
  capabilities: Capabilities,
): void {
  if (options.disableTriggers && !capabilities.disableTriggers) {
    throw capabilityError(
      '--disable-triggers',
      engine,
      'it cannot keep triggers from firing for one session (only dropping and recreating them would)',
      'Run without it: rowback then says which triggers fired and what they changed, and refuses what they did not explain. To skip only foreign key checks, use --skip-foreign-key-checks where available.',
    );
  }
  if (options.skipForeignKeyChecks && !capabilities.skipForeignKeyChecks) {
    throw capabilityError(
      '--skip-foreign-key-checks',
      engine,
      'its foreign keys cannot be turned off for one transaction',
      'Restore the parent rows first, or narrow the restore with --where.',
    );
  }
}

/** Stage the source on the target, classify, preview, confirm, then apply (or write the script). */
async function restoreStaged(run: Run): Promise<RestoreReport> {
  const { p, options, policy } = run;
  const progress = options.onProgress ?? (() => {});
  const target = p.sessions.target;
  const staged = await stageSource(p, progress, run.clock);
  throwIfAborted(options.signal);
  progress({ step: 'plan', message: 'classifying rows' });
  // Nobody to confirm, and a plan built before the lock would be built again under it: build it once.
  if (!options.confirm && !options.sqlOut && !target.engine.capabilities.provesUnchanged) {
    return restoreOnce(run, staged);
  }
  const c: Classified = await classify(p, staged, policy, options.samples ?? 5, run.clock);
  const first = previewOf(p, run.id, policy, c.plan, c);
  const done = (outcome: RestoreReport['outcome'], extra: Partial<RestoreReport> = {}) =>
    unapplied(run, first, outcome, extra);
  if (options.sqlOut) {
    progress({ step: 'script', message: `writing ${options.sqlOut}` });
    await writeScript(target, staged.rows, c, {
      policy,
      path: options.sqlOut,
      ...(p.where ? { where: p.where } : {}),
    });
    return done('script', { sqlOut: options.sqlOut });
  }
  if (c.missingParents.length && !options.skipForeignKeyChecks) {
    throw missingParentError(p.tableLabel, c.missingParents, target.engine.capabilities);
  }
  if (totalWrites(first.intended) === 0) return done('nothing-to-do');
  await confirmPreview(run, first);
  const undo = options.dryRun ? undefined : await openUndoFile(run.stateDir, p, run.id);
  const onProgress = (step: string, rows: number) => progress({ step: 'apply', rows, message: step });
  try {
    const { result, preview } = await applyConfirmed(run, first, (shown, round) =>
      applyStaged(target, staged.rows, {
        policy,
        ...classifyOptions(p, staged),
        ...(round === 0 && c.handle ? { preview: c.handle } : {}),
        ...(options.dryRun ? {} : { shown }),
        ...applyFlags(options),
        undo: undo ?? discardingUndo,
        onProgress,
        clock: run.clock,
      }),
    );
    if (undo) await undo.finish('committed', result!.applied, await identityNow(p));
    return report(run, preview, result!, 'staged', options.dryRun ? 'dry-run' : 'applied', undo?.dir);
  } catch (error) {
    await undo?.finish('rolled-back');
    throw error;
  } finally {
    if (c.handle) await target.dropPlan(c.handle).catch(() => {});
  }
}
