import type { ClassifyOptions, Connection, Plan, Staged } from '../engines/engine.js';
import { checkPlan } from './checks.js';
import { RowbackError } from './errors.js';
import type { Preview, ProgressEvent } from './options.js';
import {
  EXCLUDABLE,
  intendedWrites,
  type MissingParent,
  type PlanCounts,
  type Policy,
  type RowClass,
  type SampleRow,
} from './plan.js';
import { type Prepared, progressSize, readOptions } from './prepare.js';
import { planCounts, restrictSamples } from './restrict.js';
import { type KnownSource, planSuspicions } from './reused-keys.js';
import { noClock, type StepClock } from './timings.js';
/**
 * The source staged on the target, classified, sampled and checked: the plan as the preview shows it.
 */

/** The source rows staged on the target, and for a `keys` source the keys that did not exist then. */
export interface StagedSource {
  rows: Staged;
  absent?: Staged;
  /** Prepared.readRows, staged: see ClassifyOptions.unchangedSince. */
  read?: Staged;
}

/**
 * Streams the source rows into a staging table on the target, reporting rows staged and, for a source
 * measured in bytes, bytes read of its size. A `keys` source's absent keys are staged beside them.
 */
export async function stageSource(
  p: Prepared,
  onProgress: (e: ProgressEvent) => void,
  clock: StepClock = noClock,
): Promise<StagedSource> {
  const size = await progressSize(p);
  const totals = {
    ...(size.rows === undefined ? {} : { total: size.rows }),
    ...(size.bytes === undefined ? {} : { totalBytes: size.bytes }),
  };
  let bytes: number | undefined;
  const onBytes = (n: number) => {
    bytes = n;
  };
  const report = (rows: number) =>
    onProgress({ step: 'stage', rows, ...totals, ...(bytes === undefined ? {} : { bytes }) });
  const source = p.sessions.source;
  const target = p.sessions.target;
  const rows = await clock.time('stage', () =>
    target.stage(p.target, source.read(p.source, readOptions(p, onBytes)), {
      columns: p.columns,
      origin: p.origin,
      onProgress: report,
      clock,
    }),
  );
  report(rows.rows);
  const read = p.readRows
    ? await target.stage(p.target, p.readRows.rows(), { columns: p.readRows.columns, clock })
    : undefined;
  if (p.coverage !== 'keys') return { rows, ...(read ? { read } : {}) };
  if (!source.absentKeys) {
    throw new RowbackError('internal', `${source.label} has keys coverage but gives no absent keys`);
  }
  const absent = await clock.time('stage', () =>
    target.stage(p.target, source.absentKeys!(p.source, p.key), { columns: p.key, clock }),
  );
  return { rows, absent, ...(read ? { read } : {}) };
}

/** What classify is told: the filter, and for a `keys` source which target keys may be extra. */
export function classifyOptions(p: Prepared, staged: StagedSource): ClassifyOptions {
  return {
    ...(p.where === undefined ? {} : { where: p.where }),
    ...(staged.absent ? { absent: staged.absent } : {}),
    ...(p.restriction.columns ? { columns: p.restriction.columns } : {}),
    ...(p.restriction.targetWhere === undefined ? {} : { targetWhere: p.restriction.targetWhere }),
    ...(staged.read ? { unchangedSince: staged.read } : {}),
  };
}

/** Drops what stageSource staged. */
export async function dropStaged(p: Prepared, staged: StagedSource): Promise<void> {
  await p.sessions.target.dropStaged(staged.rows);
  if (staged.absent) await p.sessions.target.dropStaged(staged.absent);
  if (staged.read) await p.sessions.target.dropStaged(staged.read);
}

export interface Classified {
  plan: PlanCounts;
  samples: SampleRow[];
  missingParents: MissingParent[];
  /** What the plan cannot show by itself (keys reused since, a source newer than the target). */
  warnings?: string[];
  /** The plan table, kept for the apply to reuse when the target has not changed since. */
  handle?: Plan;
}

const CLASSES: RowClass[] = ['missing', 'changed', 'extra'];

/**
 * The plan, a few examples of each class that matters, and foreign keys that would break. Refuses here,
 * before anyone is asked, what the apply would refuse anyway (a key that does not identify rows, rows
 * still referenced, columns that cannot be written).
 */
export async function classify(
  p: Prepared,
  stagedSource: StagedSource,
  policy: Policy,
  sampleSize: number,
  clock: StepClock = noClock,
): Promise<Classified> {
  const target = p.sessions.target;
  const staged = stagedSource.rows;
  const { handle, plan } = await clock.time('classify', async () => {
    const handle = await target.classify(staged, classifyOptions(p, stagedSource));
    return { handle, plan: await planCounts(target, handle) };
  });
  return inspect(p, handle, plan, policy, sampleSize, clock);
}

/** Samples, checks and suspicions of a plan already built (before the lock, or under it). */
export async function inspect(
  p: Prepared,
  handle: Plan,
  plan: PlanCounts,
  policy: Policy,
  sampleSize: number,
  clock: StepClock = noClock,
  known: KnownSource = {},
): Promise<Classified> {
  const target = p.sessions.target;
  const samples = await clock.time('samples', () => samplesOf(target, handle, plan, sampleSize));
  const missingParents = await clock.time('checks', () =>
    checkPlan(target, handle, policy, { collectParents: true }),
  );
  const warnings = await clock.time('checks', () => planSuspicions(p, target, handle, plan, policy, known));
  return { plan, samples, missingParents, warnings, handle };
}

/** A few rows of each class that has any. */
export async function samplesOf(
  target: Connection,
  plan: Plan,
  counts: PlanCounts,
  size: number,
): Promise<SampleRow[]> {
  const samples: SampleRow[] = [];
  for (const rowClass of CLASSES) {
    if (size > 0 && counts[rowClass] > 0) samples.push(...(await target.samples(plan, rowClass, size)));
  }
  for (const rowClass of EXCLUDABLE) {
    if (size > 0 && (counts.excluded?.[rowClass] ?? 0) > 0) {
      const kept = await target.samples(plan, rowClass, size, true);
      samples.push(...kept.map((s) => ({ ...s, kept: true })));
    }
  }
  if (size > 0 && (counts.outside ?? 0) > 0) {
    const outside = await target.samples(plan, 'extra', size, 'outside');
    samples.push(...outside.map((s) => ({ ...s, outside: true })));
  }
  return restrictSamples(plan, samples);
}

/** What the user sees before anything is written. */
export function previewOf(
  p: Prepared,
  id: string,
  policy: Policy,
  plan: PlanCounts,
  found: { samples?: SampleRow[]; missingParents?: MissingParent[]; warnings?: string[] } = {},
): Preview {
  return {
    id,
    table: p.tableLabel,
    source: p.sourceLabel,
    target: p.targetLabel,
    key: p.key,
    columns: p.columns,
    ...(p.restriction.columns ? { restrictedTo: p.restriction.columns } : {}),
    ...(p.restriction.targetWhere === undefined ? {} : { targetWhere: p.restriction.targetWhere }),
    ...(p.backout ? { backout: p.backout } : {}),
    ...(p.sessions.target.engine.capabilities.literalValues ? { values: 'literal' as const } : {}),
    policy,
    plan,
    intended: intendedWrites(plan, policy),
    samples: found.samples ?? [],
    missingParents: found.missingParents ?? [],
    warnings: [...(found.warnings ?? []), ...p.warnings],
  };
}
