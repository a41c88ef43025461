import type { MergeKey } from '../engines/engine.js';
import { defaultOperator, recordRun } from './audit.js';
import { RowbackError, wrapError } from './errors.js';
import { newId } from './ids.js';
import { mergePlan } from './merge.js';
import type { DiffOptions, DiffPath, DiffReport, ProgressEvent } from './options.js';
import { DEFAULT_POLICY, type Policy } from './plan.js';
import { type Prepared, progressSize, readingWhole, withPrepared } from './prepare.js';
import { type Classified, classify, dropStaged, previewOf, stageSource } from './preview.js';
import { sameTableNote } from './refusals.js';
import { BACKOUT_POLICY, defaultChanged } from './restrict.js';
import { sameTableAs } from './same-table.js';
import { labelOf, type Opener, throwIfAborted } from './sessions.js';
import { resolveStateDir } from './state-dir.js';

/**
 * Compares the source and the target table by key and reports every class of row. Read-only: either the
 * source rows are staged into a temporary table on the target session and dropped afterwards, or both
 * tables are read in key order and merged in rowback (see DiffPath); no table of the target is written.
 */
export async function runDiff(options: DiffOptions, opener: Opener): Promise<DiffReport> {
  const started = Date.now();
  const id = newId('d');
  const progress = options.onProgress ?? (() => {});
  const samples = options.samples ?? 5;
  let report: DiffReport | undefined;
  let failure: RowbackError | undefined;
  try {
    report = await withPrepared(options, opener, async (p) => {
      const { path, reason } = await choosePath(p, options.path);
      // What a restore with the same flags would do: naming columns or a condition takes the source's values.
      const policy =
        options.backout !== undefined
          ? BACKOUT_POLICY
          : { ...DEFAULT_POLICY, changed: defaultChanged(options) };
      const c =
        path === 'merge'
          ? await compareByMerge(p, samples, progress)
          : await compareStaged(readingWhole(p), policy, samples, progress);
      throwIfAborted(options.signal);
      const preview = previewOf(p, id, policy, c.plan, c);
      const same = await sameTableAs(p);
      if (same) preview.warnings.unshift(sameTableNote(same));
      return { ...preview, command: 'diff' as const, path, pathReason: reason };
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
        ...(report ? { plan: report.plan } : {}),
      },
      started,
      report ? 'compared' : undefined,
      failure,
    );
  }
}

/**
 * The path asked for, else merge when the target cannot stage rows, else staged. The merge needs a source
 * that reads in key order (a live one; not a dump file read front to back).
 */
async function choosePath(
  p: Prepared,
  asked: DiffPath | undefined,
): Promise<{ path: DiffPath; reason: string }> {
  const source = p.sessions.source;
  const ordered = source.ordersByKey === true && (source.coverage ?? 'table') === 'table';
  if (asked === 'merge' && !ordered)
    throw unordered(p, 'the merge diff (--path merge) reads both sides in key order');
  if (asked === 'merge' && p.restriction.targetWhere !== undefined) throw noTargetWhere('--path merge');
  if (asked) return { path: asked, reason: `asked for with --path ${asked}` };
  const blocked = await p.sessions.target.stagingBlocked();
  if (!blocked) return { path: 'staged', reason: 'the target can stage rows' };
  if (!ordered) throw unordered(p, `the target cannot stage rows (${blocked})`);
  if (p.restriction.targetWhere !== undefined) throw noTargetWhere(`this target (${blocked})`);
  return { path: 'merge', reason: `the target cannot stage rows: ${blocked}` };
}

/** The merge diff reads each side once, with one filter flag: no room for a second condition yet. */
function noTargetWhere(where: string): RowbackError {
  return new RowbackError(
    'unsupported',
    `--target-where needs a staged comparison, which ${where} cannot make.`,
    {
      hint: 'Compare on a target where rowback may create temporary tables, or leave --target-where out.',
    },
  );
}

function unordered(p: Prepared, why: string): RowbackError {
  return new RowbackError(
    'unsupported',
    `${p.sourceLabel} cannot be read in key order, and ${why}, so the two cannot be compared.`,
    {
      hint: 'Compare against a target where rowback may create temporary tables, or load the source into a database and use its URL.',
    },
  );
}

/** Stages the source rows on the target and classifies them there with SQL. */
async function compareStaged(
  p: Prepared,
  policy: Policy,
  samples: number,
  progress: (e: ProgressEvent) => void,
): Promise<Classified> {
  const staged = await stageSource(p, progress);
  progress({ step: 'plan', message: 'classifying rows' });
  const c = await classify(p, staged, policy, samples);
  const target = p.sessions.target;
  if (c.handle) await target.dropPlan(c.handle);
  await dropStaged(p, staged);
  return c;
}

/**
 * Reads both tables in key order, matched as the target's key matches (see MergeKey), and walks them side
 * by side, both whole with a flag saying which rows pass the filter (a source row whose target row no
 * longer passes it is changed, not missing; a target row passing it whose source row does not is
 * outside, not extra: as in the staged plan).
 */
async function compareByMerge(
  p: Prepared,
  samples: number,
  progress: (e: ProgressEvent) => void,
): Promise<Classified> {
  const merge: MergeKey = await p.sessions.target.mergeKey(p.target);
  // Under --columns only the key and those columns are compared: the rest is not even read.
  const only = p.restriction.columns;
  const columns = only ? p.columns.filter((c) => p.key.includes(c) || only.includes(c)) : p.columns;
  const total = (await progressSize(readingWhole(p))).rows;
  // Both sides whole, each row flagged: a source key outside the filter still keeps its target row from extra.
  const scope = p.where === undefined ? {} : { scope: p.where };
  const result = await mergePlan({
    source: p.sessions.source.read(p.source, { columns, merge, ...scope }),
    target: p.sessions.target.read(p.target, { columns, merge, ...scope }),
    columns,
    merge,
    scoped: p.where !== undefined,
    samples,
    onRows: (rows) => progress({ step: 'compare', rows, ...(total === undefined ? {} : { total }) }),
  });
  return { plan: result.plan, samples: result.samples, missingParents: [] };
}
