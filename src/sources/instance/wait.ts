import { RowbackError } from '../../core/errors.js';

/** Waits `ms`, or rejects with RowbackError('interrupted') as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(interrupted());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(interrupted());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function interrupted(): RowbackError {
  return new RowbackError('interrupted', 'Interrupted while waiting.');
}

export interface PollOptions {
  /** Between two checks. */
  intervalMs: number;
  /** Give up after this long (the error names `what`). */
  timeoutMs: number;
  what: string;
  signal?: AbortSignal;
  /** Called before each check with the time spent so far. */
  onTick?(elapsedMs: number): void;
}

/**
 * Calls `check` until it returns a value (not undefined), `signal` aborts, or the time is up. `check`
 * throws to stop waiting with an error (the instance failed).
 */
export async function pollUntil<T>(check: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const began = Date.now();
  for (;;) {
    options.onTick?.(Date.now() - began);
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() - began > options.timeoutMs) {
      throw new RowbackError(
        'connection',
        `${options.what} did not finish within ${Math.round(options.timeoutMs / 60_000)} min.`,
        { hint: 'Look at it in its console; rowback removed what it had created.' },
      );
    }
    await sleep(options.intervalMs, options.signal);
  }
}

/**
 * A rate-based estimate of the time left: `done` of `total` after `elapsedMs`. Undefined until there is
 * something to go on.
 */
export function estimateLeft(done: number, total: number | undefined, elapsedMs: number): number | undefined {
  if (total === undefined || done <= 0 || total <= done)
    return total !== undefined && done >= total ? 0 : undefined;
  return Math.round((elapsedMs / done) * (total - done));
}
