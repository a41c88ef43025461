import type { Connection } from '../engines/engine.js';
import { defaultOperator, recordRun } from './audit.js';
import { RowbackError, wrapError } from './errors.js';
import { isId, newId } from './ids.js';
import type { UndoOptions, UndoPreview, UndoReport } from './options.js';
import { redactUrl } from './redact.js';
import { identityDifferences, wrongTargetError } from './refusals.js';
import { refuseUnsupported } from './restore.js';
import { revertRestore } from './revert.js';
import { cancelOnAbort, labelOf, type Opener, targetOptions, throwIfAborted } from './sessions.js';
import { ensurePrivateDir, resolveStateDir } from './state-dir.js';
import { formatTable, type TableSchema } from './table.js';
import { type FoundUndo, findUndoFile, markUndone, type UndoMeta, undoBundle } from './undo-file.js';

/**
 * Puts a table back exactly as it was before a restore, from that restore's undo file, in one
 * transaction; refuses when any row the restore touched has changed since, and anywhere but the database
 * and table the restore wrote to.
 */
export async function runUndo(options: UndoOptions, opener: Opener): Promise<UndoReport> {
  const started = Date.now();
  const id = newId('u');
  const stateDir = resolveStateDir(options.stateDir);
  const progress = options.onProgress ?? (() => {});
  let report: UndoReport | undefined;
  let failure: RowbackError | undefined;
  let tableLabel = '';
  try {
    const notes = await ensurePrivateDir(stateDir);
    const found = await readMeta(stateDir, options.id);
    const meta = found.meta;
    tableLabel = formatTable(meta.table);
    const engine = await opener.engine(options.to);
    refuseUnsupported(options, engine.name, engine.capabilities);
    progress({ step: 'connect', message: 'connecting' });
    const opened = await opener.target(options.to, targetOptions(options));
    const target = opened.value;
    const stopCancel = cancelOnAbort(options.signal, [target]);
    try {
      if (target.engine.name !== meta.engine) {
        throw new RowbackError(
          'wrong-target',
          `Restore ${meta.id} was made on ${meta.engine}, not ${target.engine.name}. Nothing was changed, and the undo is still available.`,
          { hint: 'Point --to at the database the restore wrote to (see its target in audit.jsonl).' },
        );
      }
      const schema = await target.describe(meta.table, { key: meta.key });
      const warnings = options.skipIdentityCheck ? [] : await checkIdentity(target, schema, meta);
      const preview: UndoPreview = {
        id,
        restoreId: meta.id,
        table: tableLabel,
        target: target.redactedUrl,
        restored: meta.applied ?? { inserted: 0, updated: 0, deleted: 0 },
        warnings: [...notes, ...found.warnings, ...warnings],
      };
      options.onPreview?.(preview);
      if (options.confirm && !(await options.confirm(preview))) {
        throw new RowbackError('declined', 'Undo declined; nothing was written.');
      }
      throwIfAborted(options.signal);
      progress({ step: 'undo', message: 'reverting' });
      const bundle = undoBundle(found.dir, meta);
      const dryRun = options.dryRun === true;
      const result = await revertRestore(target, schema, bundle, {
        dryRun,
        ...(options.disableTriggers ? { disableTriggers: true } : {}),
        ...(options.allowTriggerChanges ? { allowTriggerChanges: true } : {}),
      }).catch((error: unknown) => {
        throw meta.status === 'pending' ? neverCommitted(meta.id, error) : error;
      });
      if (!dryRun) await markUndone(found.dir, meta);
      report = {
        ...preview,
        command: 'undo',
        outcome: dryRun ? 'dry-run' : 'undone',
        applied: result.applied,
        verification: result.verification,
        sequences: result.sequences,
        warnings: [...preview.warnings, ...result.warnings],
        durationMs: Date.now() - started,
      };
      return report;
    } catch (error) {
      throwIfAborted(options.signal);
      throw error;
    } finally {
      stopCancel();
      await opened.close();
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
        target: labelOf(options.to),
        ...(report ? { applied: report.applied } : {}),
      },
      started,
      report?.outcome,
      failure,
    );
  }
}

/** The undo file of a restore that committed and was not undone yet. */
async function readMeta(stateDir: string, id: string): Promise<FoundUndo> {
  if (!isId(id) || !id.startsWith('r-')) {
    throw new RowbackError('usage', `"${id}" is not a restore id.`, {
      hint: 'Restore ids look like r-20260101T120000Z-a1b2c3; `rowback restore` prints one, audit.jsonl lists them.',
    });
  }
  const found = await findUndoFile(stateDir, id);
  const meta = found.meta;
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
  return found;
}

/**
 * Refuses (RowbackError('wrong-target')) a target that is not the server, database and table the restore
 * recorded, before anything is read from or written to it. An undo file from before identities were
 * recorded is held to the target URL it names instead, with a warning.
 */
async function checkIdentity(target: Connection, schema: TableSchema, meta: UndoMeta): Promise<string[]> {
  const what = `Undo of restore ${meta.id}`;
  if (meta.identity) {
    const differences = identityDifferences(meta.identity, await target.identity(schema));
    if (differences.length > 0) throw wrongTargetError(what, target.redactedUrl, differences);
    return [];
  }
  if (redactUrl(meta.target) !== target.redactedUrl) {
    throw wrongTargetError(what, target.redactedUrl, [
      `the restore wrote to ${meta.target}, and its undo file records no more than that URL`,
    ]);
  }
  return meta.identity
    ? []
    : [
        `The undo file of ${meta.id} records only the target URL, not the database's identity (it was written by an earlier rowback); the URL matches.`,
      ];
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
