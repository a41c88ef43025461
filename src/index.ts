/**
 * rowback's library API. The CLI and the demo are thin clients of it and import nothing else from src/.
 * What a call needs is loaded when it is called, so that importing this module (every command's start)
 * loads the few modules the API's constants and renderers need, not the whole program.
 */
import type { ConsoleOptions } from './console/types.js';
import type {
  DiffOptions,
  DiffReport,
  RestoreOptions,
  RestoreReport,
  UndoOptions,
  UndoReport,
} from './core/options.js';
import type { DoctorOptions, DoctorReport } from './doctor/index.js';
import type { DrillOptions, DrillReport } from './drill/index.js';
import { opener } from './open.js';
import type { PostgresOptions } from './servers/postgres.js';
import type { RunningServer, ServerOptions } from './servers/server.js';
import type { CleanupReport } from './sources/instance/cleanup-runs.js';

/** Compares a table with its past state by key; writes nothing to the target. */
export async function diff(options: DiffOptions): Promise<DiffReport> {
  const { runDiff } = await import('./core/diff.js');
  return runDiff(options, opener);
}

/** Puts the source rows back into the target, merged with what was written since (see RestoreOptions). */
export async function restore(options: RestoreOptions): Promise<RestoreReport> {
  const { runRestore } = await import('./core/restore.js');
  return runRestore(options, opener);
}

/** Reverts a restore from its undo file, on the database and table it wrote to only. */
export async function undo(options: UndoOptions): Promise<UndoReport> {
  const { runUndo } = await import('./core/undo.js');
  return runUndo(options, opener);
}

/**
 * Rehearses a restore end to end into a scratch table (never production), timing each step, and compares
 * the restored table's row count and checksum with the live table (see DrillOptions). A failed step is
 * in the report (`outcome: 'failed'`), not thrown.
 */
export async function drill(options: DrillOptions): Promise<DrillReport> {
  const { runDrill } = await import('./drill/index.js');
  return runDrill(options, opener);
}

/**
 * Runs every check that applies, in order; one failing to run is reported, not thrown. `url` is a
 * mysql://, mariadb:// or postgres:// URL, `rds:INSTANCE` or `rds-cluster:CLUSTER`; it may be left out
 * when only backup directories are checked.
 */
export async function runDoctor(url: string | undefined, options: DoctorOptions = {}): Promise<DoctorReport> {
  const doctor = await import('./doctor/index.js');
  return doctor.runDoctor(url, options);
}

/** Cleans up what the point-in-time sources left behind (restored instances, scratch servers), from their run states. */
export async function cleanupRuns(
  stateDir: string | undefined,
  note?: (text: string) => void,
): Promise<CleanupReport> {
  const cleanup = await import('./sources/instance/cleanup-runs.js');
  return cleanup.cleanupRuns(stateDir, note);
}

/** The guarded SQL console: `SqlConsole.open({ url, io })` (see ConsoleOptions). */
export const SqlConsole = {
  async open(options: ConsoleOptions): Promise<SqlConsole> {
    const session = await import('./console/session.js');
    return session.SqlConsole.open(options);
  },
};
export type SqlConsole = import('./console/session.js').SqlConsole;

/** Throwaway local servers in a private directory (the demo's live database and its restored copy). */
export async function startMariaDb(options?: ServerOptions): Promise<RunningServer> {
  const servers = await import('./servers/mariadb.js');
  return servers.startMariaDb(options);
}

export async function startPostgres(options?: PostgresOptions): Promise<RunningServer> {
  const servers = await import('./servers/postgres.js');
  return servers.startPostgres(options);
}

export { loadHistory, saveHistory } from './console/history.js';
export { DELIBERATE } from './console/messages.js';
export {
  type ConsoleIo,
  type ConsoleOptions,
  type RunOutcome,
  SQL_SCRIPT_EXIT,
} from './console/types.js';
export { type AsOf, parseAsOf } from './core/as-of.js';
export { countText } from './core/count-text.js';
export type { CounterMove } from './core/counters.js';
export { type ErrorCode, EXIT_CODES, isRowbackError, RowbackError } from './core/errors.js';
export { listMarks, type Mark } from './core/marks.js';
export type * from './core/options.js';
export type * from './core/plan.js';
export { redactSecrets, redactUrl } from './core/redact.js';
export type { Source } from './core/source.js';
export type * from './core/table.js';
export { STEPS, type Step, type Timings } from './core/timings.js';
export { DOCTOR_EXIT } from './doctor/exit-codes.js';
export type { DoctorOptions, DoctorReport } from './doctor/index.js';
export {
  type Comparison,
  DRILL_FAILED_EXIT,
  type DrillOptions,
  type DrillReport,
  type DrillStep,
  type DrillStepName,
  type TableChecksum,
} from './drill/types.js';
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
export type { RunningServer } from './servers/server.js';
export type { CleanupReport, RunCleanup } from './sources/instance/cleanup-runs.js';
