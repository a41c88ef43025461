import { RowbackError } from '../../core/errors.js';
import type { ProgressEvent } from '../../core/options.js';
import { resolveStateDir } from '../../core/state-dir.js';
import { engineForUrl } from '../../engines/index.js';
import { openLiveSource } from '../live.js';
import type { OpenSourceOptions, Source } from '../source.js';
import { lastDuration, recordDuration } from './history.js';
import { type CleanupOutcome, Run, watchRun } from './run.js';

/**
 * The temporary instance, as one lifecycle: create → wait until it holds the past state → read the table
 * through the live source → clean up. Cleanup runs on success, on failure and on abort (Ctrl-C, SIGTERM
 * reach here as `signal`); a run killed outright leaves its state file for `rowback cleanup`.
 */
export interface TemporaryKind {
  /** What is being created, for the state file and messages: `PostgreSQL recovery of ./base`. */
  what: string;
  /** What it is made from (`rds:prod`): how long the last one took is kept, for the next estimate. */
  key?: string;
  /**
   * Creates the instance and waits until it holds the table as of the moment. Records every thing in
   * `run` before creating it, so cleanup finds it whatever happens next.
   */
  create(run: Run, context: CreateContext): Promise<TemporaryInstance>;
}

export interface CreateContext {
  signal: AbortSignal | undefined;
  /** How long creating the same thing took last time, when known. */
  previousMs: number | undefined;
  progress(event: Omit<ProgressEvent, 'step'>): void;
  note(text: string): void;
}

export interface TemporaryInstance {
  /** How to connect (may hold credentials; never printed). */
  url: string;
  /** What the source is, for messages and the audit record. */
  label: string;
  /** Facts to print once it is gone (instance class, how long it existed: what it cost). */
  facts?(): string[];
}

/** Opens a source on a temporary instance of `kind`; closing the source removes the instance. */
export async function openTemporarySource(kind: TemporaryKind, options: OpenSourceOptions): Promise<Source> {
  const note = options.onNotice ?? (() => {});
  const run = await Run.begin(resolveStateDir(options.stateDir), kind.what);
  const unwatch = watchRun(run);
  const began = Date.now();
  let instance: TemporaryInstance | undefined;
  let finished: Promise<void> | undefined;
  const finish = () => {
    finished ??= (async () => {
      const outcome = await run.cleanup(note);
      unwatch();
      const summary = cleanupSummary(kind.what, outcome, run, Date.now() - began, instance?.facts?.() ?? []);
      note(summary);
      if (summary) options.onCleanup?.(summary);
    })();
    return finished;
  };
  const stateDir = run.stateDir;
  try {
    instance = await kind.create(run, {
      signal: options.signal,
      previousMs: kind.key ? await lastDuration(stateDir, kind.key) : undefined,
      progress: (event) => options.onProgress?.({ step: 'source', ...event }),
      note,
    });
    if (options.signal?.aborted) throw interrupted(kind.what);
    if (kind.key) await recordDuration(stateDir, kind.key, Date.now() - began);
    const source = await openLiveSource(await engineForUrl(instance.url), instance.url, options);
    const label = instance.label;
    return {
      ...source,
      label,
      async close() {
        await source.close().catch(() => undefined);
        await finish();
      },
    };
  } catch (error) {
    await finish();
    if (options.signal?.aborted) throw interrupted(kind.what);
    throw error;
  }
}

function interrupted(what: string): RowbackError {
  return new RowbackError('interrupted', `Interrupted during ${what}; what it had created was removed.`);
}

/** One line saying what was removed and what was not (with the command that finishes the job). */
export function cleanupSummary(
  what: string,
  outcome: CleanupOutcome,
  run: Run,
  existedMs: number,
  facts: string[],
): string {
  const lines: string[] = [];
  const existed = `existed ${formatDuration(existedMs)}`;
  if (outcome.removed.length) {
    lines.push(
      `Cleaned up after ${what} (${[existed, ...facts].join(', ')}): removed ${outcome.removed.join('; ')}.`,
    );
  }
  for (const failure of outcome.failed) {
    lines.push(
      `! Could not remove ${failure.label}: ${failure.error}. Run \`rowback cleanup --state-dir ${run.stateDir}\` to finish (run ${run.id}).`,
    );
  }
  return lines.join('\n');
}

/** `2 min 05 s`, `41 s`, `1 h 02 min`. */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}
