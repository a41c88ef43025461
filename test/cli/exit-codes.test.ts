import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOCTOR_EXIT, DRILL_FAILED_EXIT, EXIT_CODES, SQL_SCRIPT_EXIT } from '../../src/index.js';
import { REPO_ROOT } from '../harness/cli.js';
import { runCli } from '../harness/index.js';

/** The README's exit-code table: exit status → the error codes its row names. */
async function readmeTable(): Promise<Map<number, string[]>> {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Exit codes'));
  const rows = new Map<number, string[]>();
  for (const match of section.matchAll(/^\| (\d+) \|([^|]*)\|/gm)) {
    rows.set(
      Number(match[1]),
      [...match[2]!.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]!),
    );
  }
  return rows;
}

const STATUSES = [
  ...new Set([
    0,
    ...Object.values(EXIT_CODES),
    ...Object.values(DOCTOR_EXIT),
    DRILL_FAILED_EXIT,
    ...Object.values(SQL_SCRIPT_EXIT),
  ]),
].sort((a, b) => a - b);

describe('exit codes, as documented', () => {
  it('the README table has one row per exit status, naming every error code under its own status', async () => {
    const table = await readmeTable();
    expect([...table.keys()]).toEqual(STATUSES);
    for (const [code, status] of Object.entries(EXIT_CODES)) {
      expect(table.get(status), `${code} → ${status}`).toContain(code);
    }
    const named = [...table.values()].flat().sort();
    expect(named).toEqual(Object.keys(EXIT_CODES).sort());
  });

  it('rowback --help names every exit status', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    const paragraph = help.stdout.slice(help.stdout.indexOf('Exit codes:')).split('\n\n')[0]!;
    const numbers = [...paragraph.matchAll(/(?<![\w-])(\d+) /g)].map((m) => Number(m[1]));
    expect([...new Set(numbers)].sort((a, b) => a - b)).toEqual(STATUSES);
  });
});
