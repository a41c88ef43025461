import { type Applied, isGrown } from './apply.js';
import { countByReading } from './count-rows.js';
import { copyDirect, type DirectOptions } from './direct.js';
import { RowbackError } from './errors.js';
import type { Preview, RestoreReport } from './options.js';
import { progressSize, readOptions, sourceSize } from './prepare.js';
import { previewOf } from './preview.js';
import { tooManyRowsError } from './refusals.js';
import { applyConfirmed, confirmPreview, identityNow, type Run, report } from './restore-run.js';
import type { SourceSize } from './source.js';
import { openUndoFile } from './undo-file.js';

/**
 * The target is empty: stream the source straight in. Undefined, having written nothing, when it is not
 * (or the source has no row: the staged path reports it).
 */
export async function restoreDirect(run: Run): Promise<RestoreReport | undefined> {
  const { p } = run;
  if (!(await p.sessions.target.isEmpty(p.target))) return undefined;
  // Someone to ask: the question must say exactly how many rows, so a file is read once to count them.
  // Nobody to ask: the rows are counted as they stream in, and the plan is shown before COMMIT.
  return run.options.confirm
    ? confirmThenCopy(run, await sourceSize(p))
    : copyThenShow(run, await progressSize(p));
}

async function confirmThenCopy(run: Run, size: SourceSize): Promise<RestoreReport | undefined> {
  const { p, options } = run;
  const progress = options.onProgress ?? (() => {});
  const total = size.rows ?? (await countByReading(p, size.bytes, progress, options.signal));
  if (total === 0) return undefined;
  const first = previewOf(p, run.id, run.policy, { missing: total, changed: 0, extra: 0, same: 0 });
  await confirmPreview(run, first);
  const onProgress = (n: number) => progress({ step: 'apply', rows: n, total });
  return copying(run, async (direct) => {
    const { result, preview } = await applyConfirmed(run, first, (shown) =>
      copyDirect(p.sessions.target, p.target, p.sessions.source.read(p.source, readOptions(p)), {
        ...direct,
        shown: shown.inserted,
        onProgress,
      }),
    );
    return result && { result, preview };
  });
}

/**
 * One read of the source: rows go in as they come, --max-changes stops the copy the moment it is passed,
 * and the plan (what was copied) is shown and judged under the lock, before anything is committed.
 */
async function copyThenShow(run: Run, size: SourceSize): Promise<RestoreReport | undefined> {
  const { p, options } = run;
  const progress = options.onProgress ?? (() => {});
  let bytes = 0;
  // Rows of a known total, else bytes read of the file's bytes.
  const onProgress = (rows: number) =>
    progress({
      step: 'apply',
      rows,
      ...(size.rows !== undefined
        ? { total: size.rows }
        : size.bytes !== undefined
          ? { bytes, totalBytes: size.bytes }
          : {}),
    });
  const max = options.maxChanges;
  let preview: Preview | undefined;
  return copying(run, async (direct) => {
    const result = await copyDirect(
      p.sessions.target,
      p.target,
      p.sessions.source.read(
        p.source,
        readOptions(p, (n) => (bytes = n)),
      ),
      {
        ...direct,
        shown: Number.MAX_SAFE_INTEGER,
        onProgress,
        ...(max === undefined
          ? {}
          : { stopAbove: { rows: max, error: () => tooManyRowsError(p.tableLabel, max) } }),
        decide: async (inserted) => {
          if (inserted === 0) return false;
          preview = previewOf(p, run.id, run.policy, { missing: inserted, changed: 0, extra: 0, same: 0 });
          await confirmPreview(run, preview);
          return true;
        },
      },
    );
    if (result && isGrown(result))
      throw new RowbackError('internal', 'a plan shown after the copy cannot grow');
    return result && preview && { result, preview };
  });
}

/** The undo file around one direct copy: committed with what was applied, else marked rolled back. */
async function copying(
  run: Run,
  copy: (direct: Omit<DirectOptions, 'shown'>) => Promise<{ result: Applied; preview: Preview } | undefined>,
): Promise<RestoreReport | undefined> {
  const { p, options } = run;
  const undo = await openUndoFile(run.stateDir, p, run.id);
  try {
    const done = await copy({
      columns: p.columns,
      undo,
      ...(options.maxChanges === undefined ? {} : { maxChanges: options.maxChanges }),
      ...(options.disableTriggers ? { disableTriggers: true } : {}),
      ...(options.allowTriggerChanges ? { allowTriggerChanges: true } : {}),
      clock: run.clock,
    });
    if (!done) {
      await undo.finish('rolled-back');
      return undefined;
    }
    await undo.finish('committed', done.result.applied, await identityNow(p));
    return report(run, done.preview, done.result, 'direct', 'applied', undo.dir);
  } catch (error) {
    await undo.finish('rolled-back');
    throw error;
  }
}
