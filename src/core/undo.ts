import { defaultOperator, recordRun } from './audit.js';
import { cancelOnAbort, openTarget, throwIfAborted } from './connect.js';
import { RowbackError, wrapError } from './errors.js';
import { isId, newId } from './ids.js';
import type { UndoOptions, UndoPreview, UndoReport } from './options.js';
import { redactUrl } from './redact.js';
import { formatTable } from './table.js';
import { markUndone, readUndoMeta, undoBundle } from './undo-file.js';

/**
 * Puts a table back exactly as it was before a restore, from that restore's undo file, in one
 * transaction; refuses when any row the restore touched has changed since.
 */
export async function undo(options: UndoOptions): Promise<UndoReport> {
  const started = Date.now();
  const id = newId('u');
  const stateDir = options.stateDir ?? '.rowback';
  const progress = options.onProgress ?? (() => {});
  let report: UndoReport | undefined;
  let failure: RowbackError | undefined;
  let tableLabel = '';
  try {
    if (!isId(options.id) || !options.id.startsWith('r-')) {
      throw new RowbackError('usage', `"${options.id}" is not a restore id.`, {
        hint: 'Restore ids look like r-20260101T120000Z-a1b2c3; `rowback restore` prints one, audit.jsonl lists them.',
      });
    }
    const meta = await readUndoMeta(stateDir, options.id);
    tableLabel = formatTable(meta.table);
    if (meta.status === 'undone') {
      throw new RowbackError('conflict', `Restore ${meta.id} was already undone.`, {
        hint: 'Nothing to do; see audit.jsonl for when.',
      });
    }
    if (meta.status === 'pending' && meta.afterColumns.length === 0) {
      // The post-image is written just before COMMIT: without it the restore cannot have committed.
      throw new RowbackError(
        'conflict',
        `Restore ${meta.id} was interrupted before it finished and never committed; there is nothing to undo.`,
        { hint: 'Its transaction was rolled back by the server. Check the table; see audit.jsonl.' },
      );
    }
    progress({ step: 'connect', message: 'connecting' });
    const target = await openTarget(options.to);
    const stopCancel = cancelOnAbort(options.signal, [target]);
    try {
      if (target.engine.name !== meta.engine) {
        throw new RowbackError(
          'usage',
          `Restore ${meta.id} was made on ${meta.engine}, not ${target.engine.name}.`,
        );
      }
      const schema = await target.describe(meta.table, { key: meta.key });
      const preview: UndoPreview = {
        id,
        restoreId: meta.id,
        table: tableLabel,
        target: target.redactedUrl,
        restored: meta.applied ?? { inserted: 0, updated: 0, deleted: 0 },
      };
      if (options.confirm && !(await options.confirm(preview))) {
        throw new RowbackError('declined', 'Undo declined; nothing was written.');
      }
      throwIfAborted(options.signal);
      progress({ step: 'undo', message: 'reverting' });
      const result = await target
        .undo(schema, undoBundle(stateDir, meta), { dryRun: options.dryRun === true })
        .catch((error: unknown) => {
          throw meta.status === 'pending' ? neverCommitted(meta.id, error) : error;
        });
      if (!options.dryRun) await markUndone(stateDir, meta);
      report = {
        ...preview,
        command: 'undo',
        outcome: options.dryRun ? 'dry-run' : 'undone',
        applied: result.applied,
        verification: result.verification,
        warnings: result.warnings ?? [],
        durationMs: Date.now() - started,
      };
      return report;
    } catch (error) {
      throwIfAborted(options.signal);
      throw error;
    } finally {
      stopCancel();
      await target.close();
    }
  } catch (error) {
    failure = wrapError(error, `undo of ${options.id}`);
    throw failure;
  } finally {
    await recordRun(
      stateDir,
      {
        command: 'undo',
        id,
        restoreId: options.id,
        operator: options.operator ?? defaultOperator(),
        table: tableLabel,
        target: redactUrl(options.to),
        ...(report ? { applied: report.applied } : {}),
      },
      started,
      report?.outcome,
      failure,
    );
  }
}

/**
 * A `pending` undo file belongs to a restore that was stopped (killed, lost connection) around its
 * COMMIT. If its rows do not match, the likeliest reason is that it never committed: say so.
 */
function neverCommitted(id: string, error: unknown): unknown {
  if (!(error instanceof RowbackError) || error.code !== 'conflict') return error;
  return new RowbackError('conflict', `${error.message} Restore ${id} was interrupted before it finished.`, {
    hint: 'It most likely never committed (its transaction was rolled back), so there is nothing to undo. Check the table; see audit.jsonl.',
    ...(error.details ? { details: error.details } : {}),
    cause: error,
  });
}
