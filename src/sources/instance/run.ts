import { chown, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OsUser } from '../../servers/os-user.js';
import { DIR_MARKER, removerFor } from './remove.js';
import {
  initialState,
  newRunId,
  type Resource,
  type RunState,
  removeRunState,
  stillRunning,
  writeRunState,
} from './state.js';

/** What a cleanup did: the things removed, and those that could not be (with why). */
export interface CleanupOutcome {
  removed: string[];
  failed: { label: string; error: string }[];
}

/**
 * One run that creates temporary things. Every thing is recorded in the run's state file before it is
 * created and forgotten once removed; `cleanup` removes what is left, newest first (an ingress rule
 * before the instance it opens, a server before its data dir).
 */
export class Run {
  private writes: Promise<void> = Promise.resolve();

  private constructor(
    readonly stateDir: string,
    private readonly state: RunState,
  ) {}

  static async begin(stateDir: string, what: string): Promise<Run> {
    const run = new Run(stateDir, initialState(newRunId(), what));
    await writeRunState(stateDir, run.state);
    return run;
  }

  get id(): string {
    return this.state.id;
  }

  /** Writes the thing down (before creating it); returns it for `update` / `forget`. */
  async record<T extends Resource>(resource: T): Promise<T> {
    this.state.resources.push(resource);
    await this.save();
    return resource;
  }

  /** Records a change to a recorded thing (a server's pid, once known). */
  async update<T extends Resource>(resource: T, change: Partial<T>): Promise<void> {
    Object.assign(resource, change);
    await this.save();
  }

  /** Forgets a thing the caller removed itself. */
  async forget(resource: Resource): Promise<void> {
    const at = this.state.resources.indexOf(resource);
    if (at >= 0) this.state.resources.splice(at, 1);
    await this.save();
  }

  /** A new private temp dir `<tmp>/rowback-<kind>-XXXXXX` (0700, marked as this run's), owned by `user`. */
  async makeDir(kind: string, label: string, user?: OsUser): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), `rowback-${kind}-`));
    await this.record({ type: 'dir', label, path: dir });
    await writeFile(join(dir, DIR_MARKER), `${this.id}\n`, { mode: 0o600 });
    if (user) await chown(dir, user.uid, user.gid);
    return dir;
  }

  /** Removes every thing still recorded, newest first; the state file goes once nothing is left. */
  async cleanup(note: (text: string) => void = () => {}): Promise<CleanupOutcome> {
    await this.writes;
    const outcome = await removeAll(this.state, note);
    if (this.state.resources.length === 0) await removeRunState(this.stateDir, this.id);
    else await this.save();
    return outcome;
  }

  /**
   * Synchronous last resort for the 'exit' event (a second Ctrl-C, process.exit): signals every recorded
   * process. Dirs and cloud things stay recorded for `rowback cleanup`.
   */
  stopProcessesNow(): void {
    for (const resource of this.state.resources) {
      if (resource.type !== 'process' || !stillRunning(resource.pid, resource.start)) continue;
      try {
        process.kill(resource.pid, resource.signal as NodeJS.Signals);
      } catch {
        // gone meanwhile
      }
    }
  }

  private save(): Promise<void> {
    const state = structuredClone(this.state);
    this.writes = this.writes.then(() => writeRunState(this.stateDir, state));
    return this.writes;
  }
}

/** Removes the state's things newest first, dropping each one removed from `state.resources`. */
export async function removeAll(state: RunState, note: (text: string) => void): Promise<CleanupOutcome> {
  const outcome: CleanupOutcome = { removed: [], failed: [] };
  for (const resource of [...state.resources].reverse()) {
    try {
      const remove = await removerFor(resource.type);
      await remove(resource, { runId: state.id, note });
      state.resources.splice(state.resources.indexOf(resource), 1);
      outcome.removed.push(resource.label);
    } catch (error) {
      outcome.failed.push({
        label: resource.label,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return outcome;
}

const live = new Set<Run>();
let exitHookInstalled = false;

/** Tracks a run for the exit hook: if this process exits without cleaning up, its servers still stop. */
export function watchRun(run: Run): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const each of live) each.stopProcessesNow();
    });
  }
  live.add(run);
  return () => live.delete(run);
}
