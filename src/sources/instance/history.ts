import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runsDir } from './state.js';

/**
 * How long creating a temporary instance took, per source (`rds:prod`), one JSON line per run in
 * `<state-dir>/runs/history.jsonl`: the best estimate of the next wait is the last one.
 */
function historyFile(stateDir: string): string {
  return join(runsDir(stateDir), 'history.jsonl');
}

export async function lastDuration(stateDir: string, key: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(historyFile(stateDir), 'utf8');
  } catch {
    return undefined;
  }
  let found: number | undefined;
  for (const line of text.split('\n')) {
    try {
      const entry = JSON.parse(line) as { key?: string; ms?: number };
      if (entry.key === key && typeof entry.ms === 'number') found = entry.ms;
    } catch {
      // a torn line: skip
    }
  }
  return found;
}

export async function recordDuration(stateDir: string, key: string, ms: number): Promise<void> {
  await mkdir(runsDir(stateDir), { recursive: true, mode: 0o700 });
  const line = `${JSON.stringify({ key, ms, at: new Date().toISOString() })}\n`;
  await appendFile(historyFile(stateDir), line, { mode: 0o600 });
}
