import { expect } from 'vitest';
import { type CliResult, runCli } from '../../harness/cli.js';
import { dumpTable } from '../../harness/scratch.js';
import type { BinlogDb } from './support.js';

export const TIMEOUT = 180_000;

export interface Run extends CliResult {
  json: Record<string, unknown> | undefined;
}

/** Runs the built CLI; with `--json`, stdout parsed as one JSON object. */
export async function rowback(args: string[]): Promise<Run> {
  const result = await runCli(args, { timeoutMs: TIMEOUT - 20_000 });
  const json =
    args.includes('--json') && result.stdout.trim() !== ''
      ? (JSON.parse(result.stdout) as Record<string, unknown>)
      : undefined;
  return { ...result, json };
}

/** Undoes what a CLI run restored (`rowback undo <its id> --to … --yes --json`); the undo must succeed. */
export async function undoRun(db: BinlogDb, restored: Run, stateDir: string): Promise<Run> {
  const args = [
    'undo',
    String(restored.json?.['id']),
    '--to',
    db.url,
    '--yes',
    '--json',
    '--state-dir',
    stateDir,
  ];
  const undone = await rowback(args);
  expect(undone.code, described(undone)).toBe(0);
  return undone;
}

export function described(run: CliResult): string {
  return `exit ${run.code} (signal ${run.signal})\nstdout: ${run.stdout}\nstderr: ${run.stderr}`;
}

/**
 * The table as the harness's own client reads it (not rowback's reader): one line a row, every column's
 * server text (binary as hex, FLOAT and DOUBLE from their stored bits), ordered by id.
 */
export function dump(db: BinlogDb, table: string): Promise<string[]> {
  return dumpTable('mysql', db.sql, table, ['id']);
}

/** Lines keyed by their first field (the id). */
export function byId(lines: string[]): Map<string, string> {
  return new Map(lines.map((line) => [line.split('\t')[0]!, line]));
}

/**
 * What a restore with the default policies must leave: every row of now (later writes kept, a key
 * written again since kept as it is now), and every row of the moment whose key is gone now.
 */
export function merged(atMoment: string[], now: string[]): string[] {
  const out = byId(now);
  for (const [id, line] of byId(atMoment)) if (!out.has(id)) out.set(id, line);
  return [...out.entries()].sort((a, b) => Number(a[0]) - Number(b[0])).map(([, line]) => line);
}
