import { countByReading } from './count-rows.js';
import { copyDirect } from './direct.js';
import type { RestoreReport } from './options.js';
import { readOptions, sourceSize } from './prepare.js';
import { previewOf } from './preview.js';
import { applyConfirmed, confirmPreview, identityNow, type Run, report } from './restore-run.js';
import { openUndoFile } from './undo-file.js';

/** The target is empty: stream the source straight in. Undefined, having written nothing, when it is not. */
export async function restoreDirect(run: Run): Promise<RestoreReport | undefined> {
  const { p, options } = run;
  const progress = options.onProgress ?? (() => {});
  const target = p.sessions.target;
  if (!(await target.isEmpty(p.target))) return undefined;
  const size = await sourceSize(p);
  // A source that cannot count without reading (a file) is read once to count: the preview says exactly.
  const total = size.rows ?? (await countByReading(p, size.bytes, progress, options.signal));
  if (total === 0) return undefined; // none: the staged path reports it
  const first = previewOf(p, run.id, run.policy, { missing: total, changed: 0, extra: 0, same: 0 });
  await confirmPreview(run, first);
  const undo = await openUndoFile(run.stateDir, p, run.id);
  const onProgress = (n: number) => progress({ step: 'apply', rows: n, total });
  try {
    const { result, preview } = await applyConfirmed(run, first, (shown) =>
      copyDirect(target, p.target, p.sessions.source.read(p.source, readOptions(p)), {
        columns: p.columns,
        undo,
        shown: shown.inserted,
        ...(options.maxChanges === undefined ? {} : { maxChanges: options.maxChanges }),
        ...(options.disableTriggers ? { disableTriggers: true } : {}),
        ...(options.allowTriggerChanges ? { allowTriggerChanges: true } : {}),
        onProgress,
        clock: run.clock,
      }),
    );
    if (!result) {
      await undo.finish('rolled-back');
      return undefined;
    }
    await undo.finish('committed', result.applied, await identityNow(p));
    return report(run, preview, result, 'direct', 'applied', undo.dir);
  } catch (error) {
    await undo.finish('rolled-back');
    throw error;
  }
}
