import type { Identity } from '../engines/engine.js';
import { type Applied, type ApplyOptions, type Grown, isGrown } from './apply.js';
import { RowbackError } from './errors.js';
import type { Preview, RestoreOptions, RestoreReport } from './options.js';
import type { AppliedCounts, Policy } from './plan.js';
import { totalWrites } from './policy.js';
import type { Prepared } from './prepare.js';
import { planGrewError, tooManyChangesError } from './refusals.js';
import { throwIfAborted } from './sessions.js';
import type { StepTimings } from './timings.js';

/** One restore under way, and the steps its two paths (direct, staged) share. */

/** How many times a plan that grew under the lock is shown again before giving up. */
const ROUNDS = 3;

export interface Run {
  p: Prepared;
  options: RestoreOptions;
  id: string;
  stateDir: string;
  policy: Policy;
  started: number;
  clock: StepTimings;
}

/** Asks (or, without anyone to ask, applies) the preview; refuses a plan beyond --max-changes. */
export async function confirmPreview(run: Run, preview: Preview): Promise<void> {
  const { options } = run;
  const writes = totalWrites(preview.intended);
  if (options.maxChanges !== undefined && writes > options.maxChanges) {
    throw tooManyChangesError(preview.table, writes, options.maxChanges);
  }
  options.onPreview?.(preview);
  if (options.confirm && !(await options.confirm(preview))) {
    throw new RowbackError('declined', 'Restore declined; nothing was written.');
  }
  throwIfAborted(options.signal);
}

/**
 * Applies, and when the plan under the lock would write more than was shown, shows it again and asks
 * (nobody to ask: refuses). Never writes more of any kind than the last preview confirmed.
 */
export async function applyConfirmed(
  run: Run,
  preview: Preview,
  apply: (shown: AppliedCounts, round: number) => Promise<Applied | Grown | undefined>,
): Promise<{ result: Applied | undefined; preview: Preview }> {
  let shown = preview.intended;
  for (let round = 0; ; round++) {
    const result = await apply(shown, round);
    if (!result || !isGrown(result)) return { result, preview };
    if (!run.options.confirm || round + 1 >= ROUNDS) throw planGrewError(preview.table, result.grew, shown);
    preview = {
      ...preview,
      plan: result.plan,
      intended: result.intended,
      samples: result.samples,
      warnings: [
        ...run.p.warnings,
        `The table changed since the preview: the plan now would ${result.grew.join(', ')} rows. Nothing was written; here is the plan as it stands now.`,
      ],
    };
    await confirmPreview(run, preview);
    shown = result.intended;
  }
}

/** The apply's flags, as the user gave them. */
export function applyFlags(options: RestoreOptions): Partial<ApplyOptions> {
  return {
    ...(options.maxChanges === undefined ? {} : { maxChanges: options.maxChanges }),
    ...(options.disableTriggers ? { disableTriggers: true } : {}),
    ...(options.allowTriggerChanges ? { allowTriggerChanges: true } : {}),
    ...(options.skipForeignKeyChecks ? { skipForeignKeyChecks: true } : {}),
    ...(options.dryRun ? { dryRun: true } : {}),
  };
}

/** The target's identity after the restore committed, or nothing when it cannot be read now. */
export function identityNow(p: Prepared): Promise<Identity | undefined> {
  return p.sessions.target.identity(p.target).catch(() => undefined);
}

/** The report of a restore that wrote nothing: a script, or a plan with nothing to write. */
export function unapplied(
  run: Run,
  preview: Preview,
  outcome: RestoreReport['outcome'],
  extra: Partial<RestoreReport> = {},
): RestoreReport {
  return {
    ...preview,
    command: 'restore',
    path: 'staged',
    sequences: [],
    outcome,
    applied: { inserted: 0, updated: 0, deleted: 0 },
    ...extra,
    ...bytesRead(run),
    durationMs: Date.now() - run.started,
    timings: run.clock.toJSON(),
  };
}

export function report(
  run: Run,
  preview: Preview,
  result: Applied,
  path: RestoreReport['path'],
  outcome: RestoreReport['outcome'],
  undoFile: string | undefined,
): RestoreReport {
  return {
    ...preview,
    command: 'restore',
    path,
    plan: result.plan,
    warnings: [...preview.warnings, ...result.warnings],
    outcome,
    applied: result.applied,
    verification: result.verification,
    sequences: result.counters,
    ...(undoFile ? { undoFile } : {}),
    ...bytesRead(run),
    durationMs: Date.now() - run.started,
    timings: run.clock.toJSON(),
  };
}

function bytesRead(run: Run): Pick<RestoreReport, 'sourceBytesRead'> {
  return run.p.reads.bytes > 0 ? { sourceBytesRead: run.p.reads.bytes } : {};
}
