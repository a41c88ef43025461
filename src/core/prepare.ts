import type { Connection, Plan, ReadOptions, Staged } from '../engines/engine.js';
import { checkPlan } from './checks.js';
import { matchColumns } from './columns.js';
import type { CommonOptions, Preview, ProgressEvent } from './options.js';
import {
  intendedWrites,
  type MissingParent,
  type PlanCounts,
  type Policy,
  type RowClass,
  type SampleRow,
} from './plan.js';
import { describeTable, requireKey } from './resolve.js';
import {
  cancelOnAbort,
  isLegacy,
  type Opener,
  openSessions,
  type Sessions,
  sourceContext,
  throwIfAborted,
} from './sessions.js';
import { formatTable, parseTableRef, type TableSchema } from './table.js';
import { checkWhereShape } from './where.js';

/** Everything known about one diff/restore once both sides are connected and described. */
export interface Prepared {
  sessions: Sessions;
  target: TableSchema;
  source: TableSchema;
  key: string[];
  columns: string[];
  where: string | undefined;
  /** Rows carry the physical table they live in (PostgreSQL inheritance). */
  origin: boolean;
  warnings: string[];
  sourceLabel: string;
  targetLabel: string;
  tableLabel: string;
}

export async function prepare(options: CommonOptions, opener: Opener): Promise<Prepared> {
  const progress = options.onProgress ?? (() => {});
  const where = options.where === undefined ? undefined : checkWhereShape(options.where);
  progress({ step: 'connect', message: 'connecting' });
  const sessions = await openSessions(opener, options.from, options.to, sourceContext(options));
  try {
    progress({ step: 'describe', message: 'describing tables' });
    const target = await describeTable(sessions.target, options.table, 'target', options.key);
    const key = requireKey(target);
    // As the user wrote it: a MySQL source database may be named differently from the target's.
    const sourceRef = parseTableRef(options.fromTable ?? options.table);
    const source = await sessions.source.describe(sourceRef, key, target);
    const match = matchColumns(source, target, key);
    const { columns } = match;
    const warnings = [...(sessions.source.warnings ?? []), ...match.warnings];
    if (where !== undefined) {
      await sessions.target.checkWhere(target, where);
      await sessions.source.checkWhere(source, where);
    }
    const origin = target.partitioning === 'inheritance' && source.partitioning === 'inheritance';
    return {
      sessions,
      target,
      source,
      key,
      columns,
      where,
      origin,
      warnings,
      sourceLabel: sessions.source.label,
      targetLabel: sessions.target.redactedUrl,
      tableLabel: formatTable(target.ref),
    };
  } catch (error) {
    await sessions.close();
    throw error;
  }
}

export function readOptions(p: Prepared): ReadOptions {
  return { columns: p.columns, origin: p.origin, ...(p.where === undefined ? {} : { where: p.where }) };
}

/** Streams the source rows into a staging table on the target. */
export async function stageSource(p: Prepared, onProgress: (e: ProgressEvent) => void): Promise<Staged> {
  const total = await p.sessions.source.count(p.source, p.where).catch(() => undefined);
  const rows = p.sessions.source.read(p.source, readOptions(p));
  return p.sessions.target.stage(p.target, rows, {
    columns: p.columns,
    origin: p.origin,
    onProgress: (n: number) =>
      onProgress({ step: 'stage', rows: n, ...(total === undefined ? {} : { total }) }),
  });
}

export interface Classified {
  plan: PlanCounts;
  samples: SampleRow[];
  missingParents: MissingParent[];
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
  staged: Staged,
  policy: Policy,
  sampleSize: number,
): Promise<Classified> {
  const target = p.sessions.target;
  const where = p.where === undefined ? {} : { where: p.where };
  if (isLegacy(target)) {
    const plan = await target.plan(staged, where);
    const samples: SampleRow[] = [];
    for (const rowClass of CLASSES) {
      if (sampleSize > 0 && plan[rowClass] > 0) {
        samples.push(...(await target.samples(staged, rowClass, sampleSize, where)));
      }
    }
    return { plan, samples, missingParents: await target.missingParents(staged, policy) };
  }
  const handle = await target.classify(staged, where);
  const plan = await target.counts(handle);
  const samples = await samplesOf(target, handle, plan, sampleSize);
  const missingParents = await checkPlan(target, handle, policy, { collectParents: true });
  return { plan, samples, missingParents, handle };
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
  return samples;
}

/**
 * Connects and describes both sides, runs `fn`, and closes both sessions whatever happens. An abort
 * cancels the running statements (the open transaction rolls back) and surfaces as 'interrupted'.
 */
export async function withPrepared<T>(
  options: CommonOptions,
  opener: Opener,
  fn: (p: Prepared) => Promise<T>,
): Promise<T> {
  throwIfAborted(options.signal);
  const p = await prepare(options, opener);
  const stopCancel = cancelOnAbort(options.signal, [p.sessions.target, p.sessions.source]);
  try {
    return await fn(p);
  } catch (error) {
    throwIfAborted(options.signal);
    throw error;
  } finally {
    stopCancel();
    await p.sessions.close();
  }
}

/** What the user sees before anything is written. */
export function previewOf(
  p: Prepared,
  id: string,
  policy: Policy,
  plan: PlanCounts,
  found: { samples?: SampleRow[]; missingParents?: MissingParent[] } = {},
): Preview {
  return {
    id,
    table: p.tableLabel,
    source: p.sourceLabel,
    target: p.targetLabel,
    key: p.key,
    columns: p.columns,
    policy,
    plan,
    intended: intendedWrites(plan, policy),
    samples: found.samples ?? [],
    missingParents: found.missingParents ?? [],
    warnings: [...p.warnings],
  };
}
