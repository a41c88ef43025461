import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempRoot } from './workers.js';

/** The repository root (this file is `test/harness/cli.ts`). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The built CLI; `npm test` builds it before vitest runs. */
export const CLI_PATH = fileURLToPath(new URL('../../dist/bin/rowback.js', import.meta.url));

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Run under this umask (octal text, e.g. `000`), as a shell would set it. */
  umask?: string;
  input?: string;
  timeoutMs?: number;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let fileCwd: string | undefined;

/**
 * Where the CLI runs unless a test says otherwise: one temp dir per test file (modules are fresh per
 * file), never the repository. The default state dir is the per-file one of `setup-env.ts`.
 */
function defaultCwd(): string {
  fileCwd ??= mkdtempSync(join(tempRoot(), 'cwd-'));
  return fileCwd;
}

function cliEnv(extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  // No colours or TTY tricks in captured output; the test's own variables win.
  return { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...extra };
}

/**
 * Starts the CLI with the current Node binary, without a controlling terminal; stdio is piped. `cwd`
 * defaults to the test file's temp dir.
 */
export function spawnCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; umask?: string } = {},
): ChildProcess {
  const spawnOptions = {
    cwd: options.cwd ?? defaultCwd(),
    env: cliEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'] as ['pipe', 'pipe', 'pipe'],
    // A session of its own: no controlling terminal, so the CLI can never ask the person running the tests.
    detached: true,
  };
  if (options.umask === undefined) return spawn(process.execPath, [CLI_PATH, ...args], spawnOptions);
  // The umask is inherited across exec: set it in a shell that then becomes the CLI.
  const script = `umask ${options.umask} && exec "$0" "$@"`;
  return spawn('/bin/sh', ['-c', script, process.execPath, CLI_PATH, ...args], spawnOptions);
}

/** Runs the CLI to completion (killing it after `timeoutMs`, default 60 s); never throws on a non-zero exit. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, options);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
    // The CLI may exit before reading its input; that is its business, not a test failure.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input ?? '');
  });
}
