import { resolveStateDir } from '../../core/state-dir.js';
import { sweepStale } from '../../servers/cleanup.js';
import { type CleanupOutcome, removeAll } from './run.js';
import { listRunStates, removeRunState, stillRunning, writeRunState } from './state.js';

/** What `rowback cleanup` did with one run's leftovers. */
export interface RunCleanup extends CleanupOutcome {
  id: string;
  what: string;
  started: string;
  /** `cleaned`: nothing left; `running`: its process still runs, left alone; `partial`: some things remain. */
  outcome: 'cleaned' | 'running' | 'partial';
}

export interface CleanupReport {
  runs: RunCleanup[];
  /** State files that could not be read (left in place, for a person to look at). */
  unreadable: string[];
}

/**
 * Removes what runs killed before their own cleanup left behind (throwaway servers, temp copies, cloud
 * instances and ingress rules), as recorded in `<stateDir>/runs/`. A run whose process still runs is
 * left alone: it cleans up after itself.
 */
export async function cleanupRuns(
  stateDirOption: string | undefined,
  note: (text: string) => void = () => {},
): Promise<CleanupReport> {
  const stateDir = resolveStateDir(stateDirOption);
  const { states, unreadable } = await listRunStates(stateDir);
  const runs: RunCleanup[] = [];
  for (const state of states) {
    const base = { id: state.id, what: state.what, started: state.started };
    if (stillRunning(state.pid, state.pidStart)) {
      runs.push({ ...base, outcome: 'running', removed: [], failed: [] });
      continue;
    }
    const outcome = await removeAll(state, note);
    if (state.resources.length === 0) await removeRunState(stateDir, state.id);
    else await writeRunState(stateDir, state);
    runs.push({ ...base, ...outcome, outcome: state.resources.length === 0 ? 'cleaned' : 'partial' });
  }
  // Throwaway servers of the demo and benchmarks keep their own markers in the temp dir.
  await Promise.all(['postgres', 'mariadb'].map((kind) => sweepStale(kind)));
  return { runs, unreadable };
}
