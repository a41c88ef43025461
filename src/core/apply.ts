import type { BeginOptions, ClassifyOptions, Connection, Plan, Staged } from '../engines/engine.js';
import { checkPlan } from './checks.js';
import { CounterKeeper, type CounterMove } from './counters.js';
import type { UndoSink } from './images.js';
import { judgeContext, judgeVerification } from './judge.js';
import {
  type AppliedCounts,
  intendedWrites,
  type PlanCounts,
  type Policy,
  type SampleRow,
  type Verification,
} from './plan.js';
import { deletes, growth, shrinkage, totalWrites, writtenClasses } from './policy.js';
import { samplesOf } from './preview.js';
import { planCounts } from './restrict.js';
import { formatTable } from './table.js';
import { noClock, type StepClock } from './timings.js';
import { verifyPlan } from './verify-plan.js';
import { type WriteProgress, writePlan } from './write.js';

export interface ApplyOptions {
  policy: Policy;
  where?: string;
  /** A `keys` source's absent keys: only these target keys may be extra (see ClassifyOptions). */
  absent?: Staged;
  /** `--columns` (see ClassifyOptions.columns). */
  columns?: string[];
  /** `--target-where`: part of every classification, the one under the lock included. */
  targetWhere?: string;
  /** Rows a backout decided from (see ClassifyOptions.unchangedSince): checked again under the lock. */
  unchangedSince?: Staged;
  /** The plan built for the preview: reused when the engine proves the target has not changed since. */
  preview?: Plan;
  /** The writes the user was shown: under the lock the apply never writes more of any kind. */
  shown?: AppliedCounts;
  /** The most rows the apply may write in all; writes beyond `shown` are allowed up to it. */
  maxChanges?: number;
  disableTriggers?: boolean;
  /** Keep what triggers write instead of failing the verification (see judge.ts). */
  allowTriggerChanges?: boolean;
  skipForeignKeyChecks?: boolean;
  /** Compute everything, write everything, verify, then roll back; counters stay where they were. */
  dryRun?: boolean;
  /** Receives the pre- and post-images before commit. */
  undo: UndoSink;
  onProgress?: WriteProgress;
  /** Example rows per class when the plan grew (for asking again). Default 5. */
  samples?: number;
  /** Measures each step. */
  clock?: StepClock;
  /**
   * Nobody confirms: the plan is built once, under the lock, and handed here before anything is written,
   * to be shown and refused (by throwing: the transaction rolls back, nothing written). It must run the
   * plan's checks (`checkPlan`), which the apply then skips. False: nothing to write, roll back.
   * Replaces `preview` and `shown`.
   */
  decide?: (plan: Plan, counts: PlanCounts) => Promise<boolean>;
}

export interface Applied {
  /** The plan as classified under the lock, which is what was applied. */
  plan: PlanCounts;
  applied: AppliedCounts;
  verification: Verification;
  counters: CounterMove[];
  /** Things the user should know (fewer rows than shown, triggers that fired, …). */
  warnings: string[];
  /** Whether the plan was classified again under the lock (false: the preview's plan was proven current). */
  replanned: boolean;
}

/** Under the lock the plan would write more than was shown: nothing was written, the lock released. */
export interface Grown {
  grown: true;
  plan: PlanCounts;
  intended: AppliedCounts;
  /** "delete 498 → 598" for each kind of write that grew. */
  grew: string[];
  samples: SampleRow[];
}

export function beginOptions(options: {
  disableTriggers?: boolean;
  skipForeignKeyChecks?: boolean;
}): BeginOptions {
  return {
    ...(options.disableTriggers ? { disableTriggers: true } : {}),
    ...(options.skipForeignKeyChecks ? { skipForeignKeyChecks: true } : {}),
  };
}

/**
 * Carries out a staged restore in ONE transaction: lock the target, take the plan as it stands under the
 * lock (the preview's when provably unchanged), stop if it would write more than was shown, refuse what
 * cannot be applied exactly, keep the images, write, move counters, verify, then COMMIT — or ROLLBACK on
 * a dry run and on any error, verification included.
 */
export async function applyStaged(
  target: Connection,
  staged: Staged,
  options: ApplyOptions,
): Promise<Applied | Grown | undefined> {
  const schema = staged.target;
  const counters = new CounterKeeper(target, schema, options.dryRun === true);
  const clock = options.clock ?? noClock;
  let plan: Plan | undefined;
  await clock.time('lock', () => target.begin(schema, beginOptions(options)));
  try {
    const decide = options.decide;
    const { reused, current, counts } = await clock.time(decide ? 'classify' : 'recheck', async () => {
      const reused = options.preview !== undefined && (await target.unchanged(options.preview));
      const current = reused ? options.preview! : await target.classify(staged, whereOf(options));
      return { reused, current, counts: await planCounts(target, current) };
    });
    plan = current;
    if (decide && !(await decide(current, counts))) {
      await target.rollback();
      return undefined;
    }
    const intended = intendedWrites(counts, options.policy);
    const warnings: string[] = [];
    if (options.shown && !decide) {
      const grew = growth(intended, options.shown);
      const allowed = options.maxChanges !== undefined && totalWrites(intended) <= options.maxChanges;
      if (grew.length > 0 && !allowed) {
        const samples = await samplesOf(target, plan, counts, options.samples ?? 5);
        await target.rollback();
        return { grown: true, plan: counts, intended, grew, samples };
      }
      warnings.push(...drift(formatTable(schema.ref), intended, options.shown, grew));
    }
    const checked = plan;
    if (!decide) {
      await clock.time('checks', () =>
        checkPlan(target, checked, options.policy, {
          ...(options.skipForeignKeyChecks ? { skipForeignKeyChecks: true } : {}),
        }),
      );
    }
    await clock.time('counters', () => counters.start());
    const applied = await writePlan(target, plan, options.policy, options.undo, options.onProgress, clock);
    await clock.time('counters', () => counters.afterWrites());
    const result = await clock.time('verify', () =>
      verifyPlan(target, checked, writtenClasses(options.policy), deletes(options.policy)),
    );
    const judged = judgeVerification(
      schema,
      result,
      judgeContext(target, options, totalWrites(applied), 'the source'),
    );
    await clock.time('commit', async () => {
      if (options.dryRun) {
        await counters.beforeRollback();
        await target.rollback();
      } else await target.commit();
    });
    await clock.time('counters', () => counters.afterEnd(!options.dryRun));
    return {
      plan: counts,
      applied,
      verification: judged.verification,
      counters: counters.moves(),
      warnings: [...warnings, ...judged.warnings, ...counters.warnings],
      replanned: !reused && !decide,
    };
  } catch (error) {
    await target.rollback();
    await counters.afterEnd(false);
    throw error;
  } finally {
    if (plan && plan !== options.preview) await target.dropPlan(plan).catch(() => {});
  }
}

function whereOf(options: ApplyOptions): ClassifyOptions {
  return {
    ...(options.where === undefined ? {} : { where: options.where }),
    ...(options.absent === undefined ? {} : { absent: options.absent }),
    ...(options.columns === undefined ? {} : { columns: options.columns }),
    ...(options.targetWhere === undefined ? {} : { targetWhere: options.targetWhere }),
    ...(options.unchangedSince === undefined ? {} : { unchangedSince: options.unchangedSince }),
  };
}

/** What the user hears when the plan under the lock differs from the one shown, without growing. */
function drift(table: string, now: AppliedCounts, shown: AppliedCounts, grew: string[]): string[] {
  const fewer = shrinkage(now, shown);
  if (grew.length > 0) {
    return [
      `${table} changed since the preview: the plan now would ${grew.join(', ')} rows, within --max-changes; applied as it stood under the lock.`,
    ];
  }
  if (fewer.length === 0) return [];
  return [
    `${table} changed since the preview: fewer rows to write (${fewer.join(', ')}); applied the plan as it stood under the lock.`,
  ];
}

export function isGrown(result: Applied | Grown): result is Grown {
  return 'grown' in result;
}
