import { isRowbackError, RowbackError } from '../core/errors.js';
import { redactSecrets } from '../core/redact.js';
import type { DrillStep, DrillStepName } from './types.js';

/** Thrown after a step's failure is recorded: the drill stops there and cleans up. */
export class StepFailed extends Error {}

/** Runs the drill's steps in order, timing each and recording how it ended. */
export class Steps {
  readonly done: DrillStep[] = [];

  constructor(private readonly signal: AbortSignal | undefined) {}

  /** Runs one step; a failure is recorded, then thrown on as StepFailed. */
  async run<T>(step: DrillStepName, body: () => Promise<{ value: T; detail: string }>): Promise<T> {
    const began = Date.now();
    try {
      const { value, detail } = await body();
      this.done.push({ step, ok: true, durationMs: Date.now() - began, detail });
      return value;
    } catch (error) {
      this.fail(step, Date.now() - began, error);
      throw new StepFailed(step);
    }
  }

  /** Runs a step that must run whatever happened before (cleanup); its failure is recorded, not thrown. */
  async always(step: DrillStepName, body: () => Promise<string>): Promise<void> {
    const began = Date.now();
    try {
      const detail = await body();
      this.done.push({ step, ok: true, durationMs: Date.now() - began, detail });
    } catch (error) {
      this.fail(step, Date.now() - began, error);
    }
  }

  failed(): DrillStep | undefined {
    return this.done.find((s) => !s.ok);
  }

  /** Milliseconds the named steps took together. */
  took(...steps: DrillStepName[]): number {
    return this.done.filter((s) => steps.includes(s.step)).reduce((sum, s) => sum + s.durationMs, 0);
  }

  private fail(step: DrillStepName, durationMs: number, error: unknown): void {
    const e = this.signal?.aborted
      ? new RowbackError('interrupted', 'Interrupted; what the drill had created was removed.')
      : isRowbackError(error)
        ? error
        : new RowbackError('internal', redactSecrets(error instanceof Error ? error.message : String(error)));
    this.done.push({
      step,
      ok: false,
      durationMs,
      detail: e.message,
      error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) },
    });
  }
}
