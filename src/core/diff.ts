import { appendAudit, defaultOperator } from './audit.js';
import { cancelOnAbort, throwIfAborted } from './connect.js';
import { isRowbackError, wrapError } from './errors.js';
import { newId } from './ids.js';
import type { DiffOptions, DiffReport } from './options.js';
import { DEFAULT_POLICY, intendedWrites } from './plan.js';
import { classify, prepare, stageSource } from './prepare.js';
import { redactUrl } from './redact.js';

/**
 * Compares the source and the target table by key and reports every class of row. Read-only: the source
 * rows are staged into a temporary table on the target session and dropped afterwards; no table of the
 * target is written.
 */
export async function diff(options: DiffOptions): Promise<DiffReport> {
  const started = Date.now();
  const id = newId('d');
  const stateDir = options.stateDir ?? '.rowback';
  const progress = options.onProgress ?? (() => {});
  let report: DiffReport | undefined;
  try {
    throwIfAborted(options.signal);
    const p = await prepare(options);
    const stopCancel = cancelOnAbort(options.signal, [p.sessions.target, p.sessions.source]);
    try {
      const staged = await stageSource(p, progress);
      throwIfAborted(options.signal);
      progress({ step: 'plan', message: 'classifying rows' });
      const c = await classify(p.sessions.target, staged, p.where, DEFAULT_POLICY, options.samples ?? 5);
      await p.sessions.target.dropStaged(staged);
      report = {
        command: 'diff',
        id,
        table: p.tableLabel,
        source: p.sourceLabel,
        target: p.targetLabel,
        key: p.key,
        columns: p.columns,
        policy: DEFAULT_POLICY,
        plan: c.plan,
        intended: intendedWrites(c.plan, DEFAULT_POLICY),
        samples: c.samples,
        missingParents: c.missingParents,
        warnings: p.warnings,
      };
      return report;
    } catch (error) {
      throwIfAborted(options.signal);
      throw error;
    } finally {
      stopCancel();
      await p.sessions.close();
    }
  } catch (error) {
    const e = wrapError(error, `diff of ${options.table}`);
    await audit(stateDir, id, options, started, 'failed', undefined, isRowbackError(e) ? e : undefined);
    throw e;
  } finally {
    if (report) await audit(stateDir, id, options, started, 'compared', report);
  }
}

async function audit(
  stateDir: string,
  id: string,
  options: DiffOptions,
  started: number,
  outcome: string,
  report?: DiffReport,
  error?: { code: string; message: string },
): Promise<void> {
  await appendAudit(stateDir, {
    time: new Date().toISOString(),
    command: 'diff',
    id,
    operator: options.operator ?? defaultOperator(),
    table: options.table,
    target: redactUrl(options.to),
    source: redactUrl(options.from),
    ...(options.where === undefined ? {} : { where: options.where }),
    ...(report ? { plan: report.plan } : {}),
    outcome,
    ...(error ? { error: { code: error.code, message: error.message } } : {}),
    durationMs: Date.now() - started,
  }).catch(() => {});
}
