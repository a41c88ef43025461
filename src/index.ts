/**
 * rowback's library API. The CLI and the demo are thin clients of it and import nothing else from src/.
 */
import { runDiff } from './core/diff.js';
import type {
  DiffOptions,
  DiffReport,
  RestoreOptions,
  RestoreReport,
  UndoOptions,
  UndoReport,
} from './core/options.js';
import { runRestore } from './core/restore.js';
import { runUndo } from './core/undo.js';
import { type DrillOptions, type DrillReport, runDrill } from './drill/index.js';
import { opener } from './open.js';

/** Compares a table with its past state by key; writes nothing to the target. */
export function diff(options: DiffOptions): Promise<DiffReport> {
  return runDiff(options, opener);
}

/** Puts the source rows back into the target, merged with what was written since (see RestoreOptions). */
export function restore(options: RestoreOptions): Promise<RestoreReport> {
  return runRestore(options, opener);
}

/** Reverts a restore from its undo file, on the database and table it wrote to only. */
export function undo(options: UndoOptions): Promise<UndoReport> {
  return runUndo(options, opener);
}

/**
 * Rehearses a restore end to end into a scratch table (never production), timing each step, and compares
 * the restored table's row count and checksum with the live table (see DrillOptions). A failed step is
 * in the report (`outcome: 'failed'`), not thrown.
 */
export function drill(options: DrillOptions): Promise<DrillReport> {
  return runDrill(options, opener);
}

export { loadHistory, saveHistory } from './console/history.js';
export { DELIBERATE } from './console/messages.js';
export { SqlConsole } from './console/session.js';
export {
  type ConsoleIo,
  type ConsoleOptions,
  type RunOutcome,
  SQL_SCRIPT_EXIT,
} from './console/types.js';
export { type AsOf, parseAsOf } from './core/as-of.js';
export type { CounterMove } from './core/counters.js';
export { type ErrorCode, EXIT_CODES, isRowbackError, RowbackError } from './core/errors.js';
export { listMarks, type Mark } from './core/marks.js';
export type * from './core/options.js';
export type * from './core/plan.js';
export { redactSecrets, redactUrl } from './core/redact.js';
export type { Source } from './core/source.js';
export type * from './core/table.js';
export { STEPS, type Step, type Timings } from './core/timings.js';
export { DOCTOR_EXIT, type DoctorReport, runDoctor } from './doctor/index.js';
export {
  type Comparison,
  DRILL_FAILED_EXIT,
  type DrillOptions,
  type DrillReport,
  type DrillStep,
  type DrillStepName,
  type TableChecksum,
} from './drill/index.js';
export type { Connection, QueryResult } from './engines/engine.js';
export { connect } from './open.js';
export {
  confirmQuestion,
  renderDiff,
  renderPreview,
  renderRestore,
  renderUndo,
  renderUndoPreview,
} from './report/text.js';
/** Throwaway local servers in a private directory (the demo's live database and its restored copy). */
export { startMariaDb } from './servers/mariadb.js';
export { startPostgres } from './servers/postgres.js';
export type { RunningServer } from './servers/server.js';
export {
  type CleanupReport,
  cleanupRuns,
  type RunCleanup,
} from './sources/instance/cleanup-runs.js';
