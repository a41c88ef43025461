import type { Connection, Plan, Staged } from '../engines/engine.js';
import { beginOptions } from './apply.js';
import { checkPlan } from './checks.js';
import { CounterKeeper, type CounterMove } from './counters.js';
import { RowbackError } from './errors.js';
import type { UndoBundle } from './images.js';
import { judgeContext, judgeVerification } from './judge.js';
import type { AppliedCounts, Policy, RowClass, SampleRow, Verification } from './plan.js';
import { totalWrites } from './policy.js';
import { conflictError } from './refusals.js';
import { formatTable, imageColumns, type TableSchema } from './table.js';
import { writePlan } from './write.js';

/** Undo is an exact rewind of the keys the restore touched: take the pre-image, delete what it added. */
const REWIND: Policy = { changed: 'take-source', extra: 'delete' };

export interface Reverted {
  applied: AppliedCounts;
  verification: Verification;
  warnings: string[];
  sequences: CounterMove[];
}

/**
 * Reverts a restore from its images, as a restore of the pre-image whose coverage is the keys the restore
 * touched. In ONE transaction: lock; every row the restore wrote must still be as it left it (its digest
 * unchanged; in files from before digests, every column's text) and every row it deleted still gone, else
 * RowbackError('conflict') having written nothing; then the pre-image is restored with `take-source` and
 * `delete` limited to the post-image's keys; verify; COMMIT (ROLLBACK on a dry run).
 */
export async function revertRestore(
  target: Connection,
  schema: TableSchema,
  bundle: UndoBundle,
  options: { dryRun?: boolean; disableTriggers?: boolean; allowTriggerChanges?: boolean },
): Promise<Reverted> {
  // A restore that only inserted kept no pre-image: an empty one in the table's columns stands in.
  const columns = bundle.columns.length ? bundle.columns : imageColumns(schema).map((c) => c.name);
  const stageOptions = { columns, origin: bundle.origin };
  const staged: Staged[] = [];
  const plans: Plan[] = [];
  const counters = new CounterKeeper(target, schema, options.dryRun === true);
  try {
    const before = await target.stage(schema, bundle.before(), stageOptions);
    staged.push(before);
    const digest = bundle.digest;
    if (digest) refuseForeignDigest(target, digest.digest);
    const after = digest
      ? await target.stageDigests(schema, bundle.after())
      : await target.stage(schema, bundle.after(), stageOptions);
    staged.push(after);
    await target.begin(schema, beginOptions(options));
    try {
      if (digest) await refuseDrift(target, after, before, schema);
      else {
        const now = await target.classify(after, { absent: before });
        plans.push(now);
        await refuseConflicts(target, now, schema);
      }
      const plan = await target.classify(before, { absent: after });
      plans.push(plan);
      const table = formatTable(schema.ref);
      await checkPlan(target, plan, REWIND, {
        doomed: {
          what: `Rows the restore inserted into ${table}, which undo would delete,`,
          remedy: (child) => `Remove or re-point those rows of ${child} first, then run undo again.`,
        },
      });
      await counters.start();
      const applied = await writePlan(target, plan, REWIND, undefined);
      await counters.afterWrites();
      const result = await target.verify(plan, ['missing', 'changed'], true);
      const judged = judgeVerification(
        schema,
        result,
        judgeContext(target, options, totalWrites(applied), 'the pre-image'),
      );
      if (options.dryRun) {
        await counters.beforeRollback();
        await target.rollback();
      } else await target.commit();
      await counters.afterEnd(!options.dryRun);
      return {
        applied,
        verification: judged.verification,
        warnings: [...judged.warnings, ...counters.warnings],
        sequences: counters.moves(),
      };
    } catch (error) {
      await target.rollback();
      await counters.afterEnd(false);
      throw error;
    }
  } finally {
    for (const plan of plans) await target.dropPlan(plan).catch(() => {});
    for (const s of staged) await target.dropStaged(s).catch(() => {});
  }
}

const CHANGES: RowClass[] = ['changed', 'missing', 'extra'];

/** A digest this engine does not compute (a file from another rowback) would call every row changed. */
function refuseForeignDigest(target: Connection, digest: string): void {
  if (digest === target.engine.digest) return;
  throw new RowbackError(
    'unsupported',
    `The undo file's post-image was digested as ${digest || 'nothing'}, which this rowback does not compute (it computes ${target.engine.digest}). Nothing was changed.`,
    { hint: 'Run the undo with the rowback version that made the restore.' },
  );
}

/**
 * The post-image's digests against the target: a key gone, a row whose digest differs, or a key the
 * restore deleted present again is a later write the undo would overwrite.
 */
async function refuseDrift(
  target: Connection,
  after: Staged,
  before: Staged,
  schema: TableSchema,
): Promise<void> {
  const drift = await target.drift(after, before, 5);
  if (drift.rows === 0) return;
  throw conflictError(formatTable(schema.ref), drift.rows, drift.sample, literal(target));
}

/** The post-image against the target: anything but `same` is a later write the undo would overwrite. */
async function refuseConflicts(target: Connection, now: Plan, schema: TableSchema): Promise<void> {
  const counts = await target.counts(now);
  const rows = counts.changed + counts.missing + counts.extra;
  if (rows === 0) return;
  const samples: SampleRow[] = [];
  for (const rowClass of CHANGES) {
    if (counts[rowClass] > 0 && samples.length < 5) samples.push(...(await target.samples(now, rowClass, 5)));
  }
  throw conflictError(formatTable(schema.ref), rows, samples.slice(0, 5), literal(target));
}

/** SQLite's sample values are SQL literals ('a', 1.0, x'00'), which say their type. */
function literal(target: Connection): boolean {
  return target.engine.capabilities.literalValues;
}
