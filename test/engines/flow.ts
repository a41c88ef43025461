import { type Applied, applyStaged, isGrown } from '../../src/core/apply.js';
import { checkPlan } from '../../src/core/checks.js';
import { copyDirect } from '../../src/core/direct.js';
import type { UndoBundle, UndoSink } from '../../src/core/images.js';
import {
  intendedWrites,
  type MissingParent,
  type PlanCounts,
  type Policy,
  type RowClass,
  type SampleRow,
} from '../../src/core/plan.js';
import { keyError } from '../../src/core/refusals.js';
import { type Reverted, revertRestore } from '../../src/core/revert.js';
import { scriptText } from '../../src/core/script.js';
import type { TableSchema } from '../../src/core/table.js';
import type { Connection, Plan, RowStream, Staged } from '../../src/engines/engine.js';

/*
 * The core's write flow, one call per use, for tests of one engine's steps: the same functions the
 * library runs, on a connection the test opened itself.
 */

const previews = new WeakMap<Staged, Plan>();

/** The plan of staged rows (kept for samples, parents and the apply), with the key checked as the core does. */
async function previewPlan(dst: Connection, staged: Staged, where?: string): Promise<Plan> {
  const known = previews.get(staged);
  if (known && known.where === where) return known;
  if (known) await dst.dropPlan(known);
  const schema = staged.target;
  if (schema.key?.origin === 'user' || schema.partitioning === 'inheritance') {
    const error = keyError(schema, await dst.checkKey(staged));
    if (error) throw error;
  }
  const plan = await dst.classify(staged, where === undefined ? {} : { where });
  previews.set(staged, plan);
  return plan;
}

/** Classifies staged rows: counts per class (as a preview does). */
export async function planOf(
  dst: Connection,
  staged: Staged,
  options: { where?: string } = {},
): Promise<PlanCounts> {
  return dst.counts(await previewPlan(dst, staged, options.where));
}

export async function samplesOf(
  dst: Connection,
  staged: Staged,
  rowClass: RowClass,
  limit: number,
  options: { where?: string } = {},
): Promise<SampleRow[]> {
  return dst.samples(await previewPlan(dst, staged, options.where), rowClass, limit);
}

/** The preview's checks: refuses what the apply would refuse, returns rows whose parents are missing. */
export async function parentsOf(dst: Connection, staged: Staged, policy: Policy): Promise<MissingParent[]> {
  const plan = previews.get(staged) ?? (await previewPlan(dst, staged));
  return checkPlan(dst, plan, policy, { collectParents: true });
}

export interface ApplyCall {
  policy: Policy;
  where?: string;
  undo: UndoSink;
  dryRun?: boolean;
  disableTriggers?: boolean;
  allowTriggerChanges?: boolean;
  skipForeignKeyChecks?: boolean;
  /** The plan a preview showed: the apply never writes more than it would. */
  expected?: PlanCounts;
}

/** The staged apply, as `restore` runs it (the preview's plan reused when still valid). */
export async function applyOf(dst: Connection, staged: Staged, options: ApplyCall): Promise<Applied> {
  const preview = previews.get(staged);
  const usable = preview && preview.where === options.where ? preview : undefined;
  const { expected, ...rest } = options;
  const result = await applyStaged(dst, staged, {
    ...rest,
    ...(usable ? { preview: usable } : {}),
    ...(expected ? { shown: intendedWrites(expected, options.policy) } : {}),
  });
  if (usable) {
    previews.delete(staged);
    await dst.dropPlan(usable);
  }
  if (!result) throw new Error('nothing was applied');
  if (isGrown(result)) throw new Error(`the plan grew: ${result.grew.join(', ')}`);
  return result;
}

/** The direct path; undefined when the target was not empty under the lock. */
export async function directOf(
  dst: Connection,
  schema: TableSchema,
  rows: RowStream,
  options: { columns: string[]; undo: UndoSink; disableTriggers?: boolean },
): Promise<Applied | undefined> {
  const result = await copyDirect(dst, schema, rows, { ...options, shown: Number.MAX_SAFE_INTEGER });
  if (result && isGrown(result)) throw new Error('the direct path grew');
  return result;
}

export function undoOf(
  dst: Connection,
  schema: TableSchema,
  bundle: UndoBundle,
  options: { dryRun?: boolean; disableTriggers?: boolean } = {},
): Promise<Reverted> {
  return revertRestore(dst, schema, bundle, options);
}

/** The `--sql-out` script of staged rows, handed to `write`. */
export async function scriptOf(
  dst: Connection,
  staged: Staged,
  options: { policy: Policy; where?: string; write: (text: string) => Promise<void> },
): Promise<void> {
  const handle = await previewPlan(dst, staged, options.where);
  const plan = await dst.counts(handle);
  await scriptText(dst, staged, { plan, samples: [], missingParents: [], handle }, options);
}
