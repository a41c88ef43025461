import type { ApplyResult, UndoSink } from '../engines/engine.js';
import { appendAudit, defaultOperator } from './audit.js';
import { cancelOnAbort, throwIfAborted } from './connect.js';
import { isRowbackError, RowbackError, wrapError } from './errors.js';
import { newId } from './ids.js';
import type { Preview, RestoreOptions, RestoreReport } from './options.js';
import { type AppliedCounts, intendedWrites, type Policy } from './plan.js';
import { classify, type Prepared, prepare, readOptions, stageSource } from './prepare.js';
import { redactUrl } from './redact.js';
import { writeScriptFile } from './script-file.js';
import { discardingUndo, UndoFileWriter } from './undo-file.js';

const NOTHING: AppliedCounts = { inserted: 0, updated: 0, deleted: 0 };

/**
 * Puts the source rows back into the target, merged with what was written since, in one transaction:
 * preview, confirm, apply under a lock with a re-check, verify, keep an undo file, append an audit record.
 */
export async function restore(options: RestoreOptions): Promise<RestoreReport> {
  const started = Date.now();
  const id = newId('r');
  const stateDir = options.stateDir ?? '.rowback';
  const policy: Policy = { changed: options.changed ?? 'keep-current', extra: options.extra ?? 'keep' };
  let report: RestoreReport | undefined;
  let failure: RowbackError | undefined;
  try {
    throwIfAborted(options.signal);
    const p = await prepare(options);
    const stopCancel = cancelOnAbort(options.signal, [p.sessions.target, p.sessions.source]);
    try {
      report = await run(p, options, id, stateDir, policy, started);
      return report;
    } catch (error) {
      throwIfAborted(options.signal);
      throw error;
    } finally {
      stopCancel();
      await p.sessions.close();
    }
  } catch (error) {
    failure = wrapError(error, `restore of ${options.table}`);
    throw failure;
  } finally {
    await appendAudit(stateDir, {
      time: new Date().toISOString(),
      command: 'restore',
      id,
      operator: options.operator ?? defaultOperator(),
      table: options.table,
      target: redactUrl(options.to),
      source: redactUrl(options.from),
      policy,
      ...(options.where === undefined ? {} : { where: options.where }),
      ...(report ? { plan: report.plan, applied: report.applied } : {}),
      outcome: report?.outcome ?? (failure?.code === 'declined' ? 'declined' : 'failed'),
      ...(failure && isRowbackError(failure)
        ? { error: { code: failure.code, message: failure.message } }
        : {}),
      durationMs: Date.now() - started,
    }).catch(() => {});
  }
}

async function run(
  p: Prepared,
  options: RestoreOptions,
  id: string,
  stateDir: string,
  policy: Policy,
  started: number,
): Promise<RestoreReport> {
  const progress = options.onProgress ?? (() => {});
  if (!p.target.transactional && !options.sqlOut) {
    throw new RowbackError(
      'not-transactional',
      `Table ${p.tableLabel} uses the ${p.target.storage ?? 'non-transactional'} storage engine, which cannot apply a restore atomically.`,
      {
        hint: 'Use `rowback diff` to see the differences or `--sql-out FILE` to get a script; or convert the table to InnoDB.',
      },
    );
  }

  if (directPathFits(p, options)) {
    const direct = await tryDirect(p, options, id, stateDir, started);
    if (direct) return direct;
  }

  const staged = await stageSource(p, progress);
  throwIfAborted(options.signal);
  progress({ step: 'plan', message: 'classifying rows' });
  const c = await classify(p.sessions.target, staged, p.where, policy, options.samples ?? 5);
  const preview: Preview = {
    id,
    table: p.tableLabel,
    source: p.sourceLabel,
    target: p.targetLabel,
    key: p.key,
    columns: p.columns,
    policy,
    plan: c.plan,
    intended: intendedWrites(c.plan, policy),
    samples: c.samples,
    missingParents: c.missingParents,
    warnings: [...p.warnings],
  };
  const base = { ...preview, command: 'restore' as const, sequences: [] };

  if (options.sqlOut) {
    progress({ step: 'script', message: `writing ${options.sqlOut}` });
    await writeScriptFile(options.sqlOut, (write) =>
      p.sessions.target.script(staged, {
        policy,
        ...(p.where === undefined ? {} : { where: p.where }),
        write,
      }),
    );
    return {
      ...base,
      outcome: 'script',
      applied: NOTHING,
      sqlOut: options.sqlOut,
      durationMs: Date.now() - started,
    };
  }
  if (c.missingParents.length && !options.skipForeignKeyChecks) throw missingParentError(p, c.missingParents);
  const intended = preview.intended;
  if (intended.inserted + intended.updated + intended.deleted === 0) {
    return { ...base, outcome: 'nothing-to-do', applied: NOTHING, durationMs: Date.now() - started };
  }
  if (options.confirm && !(await options.confirm(preview))) {
    throw new RowbackError('declined', 'Restore declined; nothing was written.');
  }
  throwIfAborted(options.signal);

  const undo = options.dryRun ? undefined : await openUndo(p, id, stateDir);
  let result: ApplyResult;
  try {
    result = await p.sessions.target.apply(staged, {
      policy,
      expected: c.plan,
      undo: undo ?? discardingUndo,
      ...(p.where === undefined ? {} : { where: p.where }),
      ...(options.disableTriggers ? { disableTriggers: true } : {}),
      ...(options.skipForeignKeyChecks ? { skipForeignKeyChecks: true } : {}),
      ...(options.dryRun ? { dryRun: true } : {}),
      onProgress: (step, rows) => progress({ step: 'apply', rows, message: step }),
    });
  } catch (error) {
    await undo?.finish('rolled-back');
    throw error;
  }
  await undo?.finish('committed', result.applied);
  return {
    ...base,
    plan: result.plan,
    warnings: [...preview.warnings, ...result.warnings],
    outcome: options.dryRun ? 'dry-run' : 'applied',
    applied: result.applied,
    verification: result.verification,
    sequences: result.sequences,
    ...(undo ? { undoFile: undo.dir } : {}),
    durationMs: Date.now() - started,
  };
}

/**
 * The direct path streams the source straight into the target, skipping the staging table. It is only
 * exact when the target has no row at all (nothing to merge with), nothing can reject a row half-way
 * (no foreign keys to check first) and nothing rewrites rows (no triggers, no inheritance routing).
 */
function directPathFits(p: Prepared, options: RestoreOptions): boolean {
  return (
    !options.sqlOut &&
    !options.dryRun &&
    !p.origin &&
    p.target.partitioning !== 'inheritance' &&
    p.target.foreignKeys.length === 0 &&
    p.target.rules.length === 0 &&
    (p.target.triggers.length === 0 || options.disableTriggers === true)
  );
}

async function tryDirect(
  p: Prepared,
  options: RestoreOptions,
  id: string,
  stateDir: string,
  started: number,
): Promise<RestoreReport | undefined> {
  const progress = options.onProgress ?? (() => {});
  if ((await p.sessions.target.count(p.target)) !== 0) return undefined;
  const total = await p.sessions.source.count(p.source, p.where);
  const plan = { missing: total, changed: 0, extra: 0, same: 0 };
  const policy: Policy = { changed: options.changed ?? 'keep-current', extra: options.extra ?? 'keep' };
  const preview: Preview = {
    id,
    table: p.tableLabel,
    source: p.sourceLabel,
    target: p.targetLabel,
    key: p.key,
    columns: p.columns,
    policy,
    plan,
    intended: intendedWrites(plan, policy),
    samples: [],
    missingParents: [],
    warnings: [...p.warnings],
  };
  if (total === 0) return undefined; // nothing to insert: let the staged path report it
  if (options.confirm && !(await options.confirm(preview))) {
    throw new RowbackError('declined', 'Restore declined; nothing was written.');
  }
  throwIfAborted(options.signal);
  const undo = await openUndo(p, id, stateDir);
  let result: ApplyResult | undefined;
  try {
    result = await p.sessions.target.applyDirect(p.target, p.sessions.source.read(p.source, readOptions(p)), {
      columns: p.columns,
      undo,
      ...(options.disableTriggers ? { disableTriggers: true } : {}),
      onProgress: (n) => progress({ step: 'apply', rows: n, total }),
    });
  } catch (error) {
    await undo.finish('rolled-back');
    throw error;
  }
  if (!result) {
    await undo.finish('rolled-back');
    return undefined; // a writer got in first: merge through the staging table instead
  }
  await undo.finish('committed', result.applied);
  return {
    ...preview,
    command: 'restore',
    plan: result.plan,
    warnings: [...preview.warnings, ...result.warnings],
    outcome: 'applied',
    applied: result.applied,
    verification: result.verification,
    sequences: result.sequences,
    undoFile: undo.dir,
    durationMs: Date.now() - started,
  };
}

async function openUndo(p: Prepared, id: string, stateDir: string): Promise<UndoFileWriter & UndoSink> {
  const writer = new UndoFileWriter(stateDir, {
    id,
    engine: p.sessions.target.engine.name,
    table: p.target.ref,
    target: p.targetLabel,
    key: p.key,
    origin: p.origin,
    createdAt: new Date().toISOString(),
  });
  await writer.open();
  return writer;
}

function missingParentError(p: Prepared, parents: Preview['missingParents']): RowbackError {
  const lines = parents.map(
    (m) =>
      `${m.rows} row(s) reference ${m.parent} (${m.columns.join(', ')}) through ${m.foreignKey}, e.g. ${m.sample.join(', ')}`,
  );
  return new RowbackError(
    'missing-parent',
    `Restoring ${p.tableLabel} would break foreign keys: ${lines.join('; ')}. Nothing was written.`,
    {
      hint: 'Restore the parent rows first (rowback restore <parent-table> …), or narrow the restore with --where.',
      details: { missingParents: parents },
    },
  );
}
