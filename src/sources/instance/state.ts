import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { RunState } from './state-schema.js';

export type { Resource, ResourceType, RunState } from './state-schema.js';

/**
 * The state file of one run that creates temporary things (a throwaway server, a cloud instance, an
 * ingress rule): `<state-dir>/runs/<run-id>.json`, private (0600 in a 0700 dir). Each thing is written
 * down *before* it is created, so a run killed at any moment leaves enough for `rowback cleanup`.
 */

export function runsDir(stateDir: string): string {
  return join(stateDir, 'runs');
}

/** `run-20261125T101500Z-3fa9c1`: sorts by time, unique across machines sharing a state dir. */
export function newRunId(): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `run-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks), or '' where /proc is unavailable. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? '';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' && process.platform === 'linux'
      ? undefined
      : '';
  }
}

/** True while the process that wrote `pid` + `start` still runs (not a later process with the same pid). */
export function stillRunning(pid: number, start: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = processStart(pid);
  if (now === undefined) return false;
  return start === '' || now === '' || now === start;
}

/** Writes the state atomically (temp file + rename), 0600. */
export async function writeRunState(stateDir: string, state: RunState): Promise<void> {
  const dir = runsDir(stateDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const file = join(dir, `${state.id}.json`);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, file);
}

export async function removeRunState(stateDir: string, id: string): Promise<void> {
  await rm(join(runsDir(stateDir), `${id}.json`), { force: true });
}

export function initialState(id: string, what: string): RunState {
  return {
    version: 1,
    id,
    pid: process.pid,
    pidStart: processStart(process.pid) ?? '',
    host: hostname(),
    started: new Date().toISOString(),
    what,
    resources: [],
  };
}

/** Every readable run state in the state dir; unreadable files are reported, never deleted. */
export async function listRunStates(stateDir: string): Promise<{ states: RunState[]; unreadable: string[] }> {
  const dir = runsDir(stateDir);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
  } catch {
    return { states: [], unreadable: [] };
  }
  const states: RunState[] = [];
  const unreadable: string[] = [];
  // Loaded here, not at start-up: only cleanup reads state files, and the schema library is slow to load.
  const { RunState } = await import('./state-schema.js');
  for (const name of names) {
    try {
      states.push(RunState.parse(JSON.parse(await readFile(join(dir, name), 'utf8'))));
    } catch {
      unreadable.push(join(dir, name));
    }
  }
  return { states, unreadable };
}
