import { EXIT_CODES, isRowbackError, RowbackError, redactSecrets } from '../index.js';

/** Human text. With --json it goes to stderr so stdout holds exactly one JSON object. */
export function say(json: boolean, text: string): void {
  (json ? process.stderr : process.stdout).write(`${text}\n`);
}

export function note(text: string): void {
  process.stderr.write(`${text}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Peak memory of this process, reported with --json for the benchmark. */
export function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/** Prints an error the way a user should see it (no stack for user errors) and returns the exit code. */
export function reportError(error: unknown, json: boolean): number {
  const e = isRowbackError(error)
    ? error
    : new RowbackError('internal', redactSecrets(error instanceof Error ? error.message : String(error)), {
        cause: error,
      });
  if (json) {
    printJson({
      error: {
        code: e.code,
        message: e.message,
        ...(e.hint ? { hint: e.hint } : {}),
        ...(e.details ? { details: e.details } : {}),
      },
    });
  }
  process.stderr.write(`rowback: ${e.message}\n`);
  if (e.hint) process.stderr.write(`hint: ${e.hint}\n`);
  if (e.code === 'internal' && error instanceof Error && error.stack && process.env.ROWBACK_DEBUG) {
    process.stderr.write(`${redactSecrets(error.stack)}\n`);
  }
  return EXIT_CODES[e.code];
}

/** Runs a command body, turning every failure into a message and an exit code. */
export async function runCommand(json: boolean, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    process.exitCode = reportError(error, json);
  }
}

/** Ctrl-C / SIGTERM abort the run (the open transaction rolls back); a second Ctrl-C exits at once. */
export function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    note('\nInterrupted: rolling back and cleaning up…');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}
