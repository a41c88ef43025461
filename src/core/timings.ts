/**
 * The steps of a restore whose wall time is measured. Preview: `connect` (connect and describe), `stage`
 * (read the source and load it into the staging table: one pipe, so one step), `analyze`, `merge` (the ordered merge: read the source and the target in key order and compare them
 * in rowback, under the lock), `classify`,
 * `samples`, `checks` (refusals and warnings). Apply: `lock` (the wait for the lock and the transaction's
 * start), `recheck` (is the plan still the target's, else classify again), `pre-image` / `post-image`
 * (what the undo file keeps), `insert` / `update` / `delete`, `copy` (the direct path: read, write and
 * image in one stream), `counters`, `verify`, `commit`.
 */
export const STEPS = [
  'connect',
  'stage',
  'analyze',
  'merge',
  'classify',
  'samples',
  'checks',
  'lock',
  'recheck',
  'pre-image',
  'insert',
  'update',
  'delete',
  'post-image',
  'copy',
  'counters',
  'verify',
  'commit',
] as const;
export type Step = (typeof STEPS)[number];

/**
 * Measures steps; one that runs more than once (a plan asked about again) adds up. A step timed inside
 * another (an engine's ANALYZE inside staging) is taken out of the outer one, so the steps add up to the
 * time they cover.
 */
export interface StepClock {
  time<T>(step: Step, fn: () => Promise<T>): Promise<T>;
}

/** A clock that measures nothing, for callers that do not ask. */
export const noClock: StepClock = { time: (_step, fn) => fn() };

/** Milliseconds per step, in the order the steps first ran. */
export type Timings = Partial<Record<Step, number>>;

/** Wall time per step from the monotonic clock (never the time of day, which may jump). */
export class StepTimings implements StepClock {
  private readonly spent = new Map<Step, bigint>();
  /** The steps running now, outermost first, each with the time its inner steps took. */
  private readonly running: { inner: bigint }[] = [];

  async time<T>(step: Step, fn: () => Promise<T>): Promise<T> {
    const frame = { inner: 0n };
    if (!this.spent.has(step)) this.spent.set(step, 0n); // listed in the order steps start
    const start = process.hrtime.bigint();
    this.running.push(frame);
    try {
      return await fn();
    } finally {
      const elapsed = process.hrtime.bigint() - start;
      this.running.splice(this.running.lastIndexOf(frame), 1);
      this.add(step, elapsed - frame.inner);
      const outer = this.running.at(-1);
      if (outer) outer.inner += elapsed;
    }
  }

  /** Adds time measured elsewhere (nanoseconds). */
  add(step: Step, nanoseconds: bigint): void {
    this.spent.set(step, (this.spent.get(step) ?? 0n) + nanoseconds);
  }

  toJSON(): Timings {
    const out: Timings = {};
    for (const [step, ns] of this.spent) out[step] = Number(ns / 1000n) / 1000;
    return out;
  }
}

/** "stage 1.20 s, classify 0.31 s, …" for the text report. */
export function formatTimings(timings: Timings): string {
  return Object.entries(timings)
    .map(([step, ms]) => `${step} ${(ms / 1000).toFixed(2)} s`)
    .join(', ');
}
