import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A server process started in the background, with the tail of its log kept for error messages. */
export interface ServerProcess {
  child: ChildProcess;
  /** Resolves when the process has exited (with its code or signal). */
  exited: Promise<string>;
  /** The last lines it logged, newest last. */
  logTail(): string;
}

const TAIL_LINES = 40;

/** Starts `file args`, forwarding each line of its stdout and stderr to `log`. */
export function startProcess(
  command: { file: string; args: string[] },
  options: { cwd: string; env?: NodeJS.ProcessEnv; log?: (line: string) => void },
): ServerProcess {
  const child = spawn(command.file, command.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
      lines.push(line);
      if (lines.length > TAIL_LINES) lines.shift();
      options.log?.(line);
    });
  }
  const exited = new Promise<string>((resolve) => {
    child.once('error', (error) => {
      lines.push(String(error));
      resolve(`failed to start: ${error.message}`);
    });
    child.once('exit', (code, signal) =>
      resolve(signal ? `killed by ${signal}` : `exited with code ${code}`),
    );
  });
  // The readiness probe and stop() decide what happens next; an unhandled 'error' must not crash us.
  child.on('error', () => undefined);
  return { child, exited, logTail: () => lines.join('\n') };
}

/**
 * Calls `probe` until it resolves, the process exits, or `timeoutMs` passes. Rejects with the server's
 * recent log, so a failed start explains itself.
 */
export async function waitUntilReady(
  server: ServerProcess,
  probe: () => Promise<void>,
  options: { timeoutMs: number; what: string },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let exitedWith: string | undefined;
  void server.exited.then((how) => {
    exitedWith = how;
  });
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (exitedWith !== undefined) {
      throw new Error(`${options.what} ${exitedWith} before accepting connections:\n${server.logTail()}`);
    }
    try {
      await probe();
      return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new Error(
    `${options.what} did not accept connections within ${options.timeoutMs / 1000} s (last error: ${reason}):\n${server.logTail()}`,
  );
}

/** Sends `signal`, waits up to `graceMs` for the exit, then kills it. */
export async function stopProcess(
  server: ServerProcess,
  signal: NodeJS.Signals,
  graceMs: number,
): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), graceMs);
  });
  const outcome = await Promise.race([server.exited, timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    child.kill('SIGKILL');
    await server.exited;
  }
}
