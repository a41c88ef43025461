import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Command } from './scenario.js';

/** A child process failed; `message` is the line of its stderr that says why. */
export class CommandFailed extends Error {}

/** Runs `producer | consumer` and resolves when both have exited successfully. */
export async function runPipeline(producer: Command, consumer: Command): Promise<void> {
  const left = start(producer, ['ignore', 'pipe', 'pipe']);
  const right = start(consumer, ['pipe', 'ignore', 'pipe']);
  left.child.stdout!.pipe(right.child.stdin!);
  // The consumer may stop reading (it failed); the producer then gets EPIPE, which is not the story.
  right.child.stdin!.on('error', () => {});
  // A consumer that gave up leaves the producer blocked on a full pipe: end it.
  void right.exit.then(() => {
    left.child.stdout!.destroy();
    left.child.kill('SIGTERM');
  });
  const [leftCode, rightCode] = await Promise.all([left.exit, right.exit]);
  if (rightCode !== 0) throw new CommandFailed(reason(right.stderr(), consumer.program, rightCode));
  if (leftCode !== 0) throw new CommandFailed(reason(left.stderr(), producer.program, leftCode));
}

/**
 * Starts a process whose stdout something in this process consumes. `done` resolves when it exited
 * successfully and rejects with CommandFailed otherwise; `stop` ends it early.
 */
export function startProducer(command: Command): { stdout: Readable; done: Promise<void>; stop(): void } {
  const started = start(command, ['ignore', 'pipe', 'pipe']);
  const done = started.exit.then((code) => {
    if (code !== 0) throw new CommandFailed(reason(started.stderr(), command.program, code));
  });
  return { stdout: started.child.stdout!, done, stop: () => started.child.kill('SIGTERM') };
}

/** What one timed run of a program printed and cost. */
export interface CliRun {
  stdout: string;
  /** Wall time from the spawn to the exit, without the temp dir's making and removal. */
  seconds: number;
  /** Peak resident set size in bytes, from /usr/bin/time, when it exists. */
  peakRssBytes?: number;
  /** CPU seconds the process used (user + system), from /usr/bin/time: its own work, whatever the load. */
  cpuSeconds?: number;
}

/**
 * Runs `node <cli> args…` in a fresh temp dir, with its state dir (undo files, audit log) there unless the
 * args name one: removed after, so benches leave no undo files of their rows behind.
 */
export async function runCli(cli: string, given: string[]): Promise<CliRun> {
  const dir = await mkdtemp(join(tmpdir(), 'rowback-bench-'));
  const args = given.includes('--state-dir') ? given : [...given, '--state-dir', join(dir, 'state')];
  try {
    return await timed({ program: process.execPath, args: [cli, ...args] }, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs a program (pg_restore, say) measured as runCli measures rowback: wall time, CPU and peak RSS. */
export async function runTimed(command: Command): Promise<CliRun> {
  const dir = await mkdtemp(join(tmpdir(), 'rowback-bench-'));
  try {
    return await timed(command, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `command` run in `dir`, under /usr/bin/time when it exists (its report written to a file in `dir`). */
async function timed(command: Command, dir: string): Promise<CliRun> {
  const timeFile = join(dir, 'time.txt');
  const measured = existsSync('/usr/bin/time');
  const wrapped: Command = measured
    ? {
        ...command,
        program: '/usr/bin/time',
        args: ['-o', timeFile, '-f', '%M %U %S', command.program, ...command.args],
      }
    : command;
  const started = process.hrtime.bigint();
  const run = start(wrapped, ['ignore', 'pipe', 'pipe'], dir);
  const chunks: Buffer[] = [];
  run.child.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk));
  const code = await run.exit;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const name = command.program === process.execPath ? 'rowback' : command.program;
  if (code !== 0) throw new CommandFailed(reason(run.stderr(), name, code));
  const result: CliRun = { stdout: Buffer.concat(chunks).toString('utf8'), seconds };
  if (measured) {
    const [kilobytes, user, system] = ((await readFile(timeFile, 'utf8')).trim().split('\n').pop() ?? '')
      .split(' ')
      .map(Number);
    if (Number.isFinite(kilobytes)) result.peakRssBytes = kilobytes! * 1024;
    if (Number.isFinite(user) && Number.isFinite(system)) result.cpuSeconds = user! + system!;
  }
  return result;
}

interface Started {
  child: ChildProcess;
  exit: Promise<number>;
  stderr(): string;
}

/** Children still running, so that Ctrl-C can end them. */
export const running = new Set<ChildProcess>();

function start(command: Command, stdio: ('ignore' | 'pipe')[], cwd?: string): Started {
  const child = spawn(command.program, command.args, {
    stdio: stdio as ['ignore' | 'pipe', 'ignore' | 'pipe', 'ignore' | 'pipe'],
    env: { ...process.env, ...command.env },
    cwd,
  });
  running.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exit = new Promise<number>((resolve) => {
    child.on('error', (error) => {
      stderr += `\n${command.program}: ${error.message}`;
    });
    child.on('close', (code, signal) => {
      running.delete(child);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
  return { child, exit, stderr: () => stderr };
}

/** The most telling line of a failed child's stderr. */
function reason(stderr: string, program: string, code: number): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const line = lines.find((l) => /error/i.test(l)) ?? lines.at(-1) ?? `${program} exited with code ${code}`;
  return line.length > 160 ? `${line.slice(0, 157)}…` : line;
}
