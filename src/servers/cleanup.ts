import { readFileSync, rmSync } from 'node:fs';
import { chown, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OsUser } from './os-user.js';

/**
 * Temp dirs and processes of throwaway servers, and the last-resort cleanup that runs when this process
 * exits or is interrupted before `stop()` was called. Each temp dir holds `owner.pid` (this process) and
 * `server.pid` (the server), so a later run can remove what a killed run left behind.
 */

interface Tracked {
  dir: string;
  pid?: number;
  /** The signal that stops the server at once (PostgreSQL: SIGQUIT, immediate shutdown). */
  signal: NodeJS.Signals;
}

const tracked = new Set<Tracked>();
let handlersInstalled = false;

/** Creates `<tmp>/rowback-<kind>-XXXXXX`, owned by `user` when given, and tracks it for cleanup. */
export async function makeServerDir(
  kind: string,
  user: OsUser | undefined,
  signal: NodeJS.Signals,
): Promise<Tracked> {
  installHandlers();
  await sweepStale(kind);
  const dir = await mkdtemp(join(tmpdir(), `rowback-${kind}-`));
  await writeFile(join(dir, 'owner.pid'), String(process.pid));
  if (user) await chown(dir, user.uid, user.gid);
  const entry: Tracked = { dir, signal };
  tracked.add(entry);
  return entry;
}

/** Records the server's pid so that exit handlers (and later runs) can stop it. */
export async function recordServerPid(entry: Tracked, pid: number): Promise<void> {
  entry.pid = pid;
  await writeFile(join(entry.dir, 'server.pid'), String(pid));
}

/** Removes the dir and forgets it (after the server has stopped). */
export async function removeServerDir(entry: Tracked): Promise<void> {
  tracked.delete(entry);
  await rm(entry.dir, { recursive: true, force: true, maxRetries: 3 });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes `<tmp>/rowback-<kind>-*` dirs of earlier runs whose owner (`owner.pid`) and server (`server.pid`,
 * if any) are both gone.
 */
export async function sweepStale(kind: string): Promise<void> {
  const prefix = `rowback-${kind}-`;
  let names: string[];
  try {
    names = (await readdir(tmpdir())).filter((name) => name.startsWith(prefix));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(tmpdir(), name);
    const pidIn = async (file: string) =>
      Number((await readFile(join(dir, file), 'utf8').catch(() => '')) || 0);
    const owner = await pidIn('owner.pid');
    const server = await pidIn('server.pid');
    if (!owner || !exited(owner) || (server && !exited(server))) continue;
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Gone, or a zombie: exited but not yet reaped (by our blocked event loop, or by a slow init). */
function exited(pid: number): boolean {
  if (!alive(pid)) return true;
  try {
    return /^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Stops every tracked server at once and removes its dir; synchronous, for exit and signal handlers. */
function cleanupNow(): void {
  const entries = [...tracked];
  tracked.clear();
  for (const entry of entries) {
    if (!entry.pid) continue;
    try {
      process.kill(entry.pid, entry.signal);
    } catch {
      // already gone
    }
  }
  // A server still shutting down may write into its dir; removing it then would leave files behind.
  const deadline = Date.now() + 3_000;
  while (entries.some((entry) => entry.pid && !exited(entry.pid)) && Date.now() < deadline) {
    Atomics.wait(pause, 0, 0, 20);
  }
  for (const entry of entries) {
    try {
      rmSync(entry.dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 });
    } catch {
      // best effort: a later run sweeps it
    }
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', cleanupNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanupNow();
      // Keep the default "die by this signal" unless someone else (e.g. the CLI) handles it.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}
