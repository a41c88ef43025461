import { describe, expect, test } from 'vitest';
import { tempDir } from '../harness/index.js';
import type { Scenario } from './scenarios.js';
import {
  cli,
  describeRun,
  dumpTable,
  prepareScenario,
  restoreArgs,
  SCENARIO_ENGINES,
  TIMEOUT,
  withScratch,
} from './support.js';
import { MYSQL_TABLE } from './text.js';

const NOTES: Scenario = {
  name: 'notes emptied by the accident',
  table: 'notes',
  orderBy: ['id'],
  ddl: {
    postgres: ['CREATE TABLE notes (id int PRIMARY KEY, body text)'],
    mysql: [`CREATE TABLE notes (id int PRIMARY KEY, body varchar(20)) ${MYSQL_TABLE}`],
    sqlite: ['CREATE TABLE notes (id integer PRIMARY KEY, body text)'],
  },
  seed: [`INSERT INTO notes VALUES (1, 'one'), (2, 'two')`],
  accident: [`DELETE FROM notes WHERE id = 2`],
  expect: {
    plan: { missing: 1, changed: 0, extra: 0, same: 1 },
    applied: { inserted: 1, updated: 0, deleted: 0 },
    final: ['1\tone', '2\ttwo'],
  },
};

/** The words of a command line as a POSIX shell reads them (plain words and single-quoted ones). */
function shellWords(line: string): string[] {
  return [...line.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) =>
    m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]!,
  );
}

describe.each(SCENARIO_ENGINES)('the undo a restore suggests on %s', (engine) => {
  test(
    'names the target it wrote to, and that command, run as printed, undoes the restore',
    async () => {
      await withScratch(engine, async (s) => {
        await prepareScenario(s, NOTES);
        const before = await dumpTable(s, NOTES);
        const stateDir = await tempDir();
        const run = await cli([...restoreArgs(s, NOTES), '--yes', '--state-dir', stateDir]);
        expect(run.code, describeRun(run)).toBe(0);
        expect(await dumpTable(s, NOTES)).toEqual(NOTES.expect.final);
        const hint = /To revert: (rowback undo .+)$/m.exec(run.stdout)?.[1];
        expect(hint, run.stdout).toBeDefined();
        const words = shellWords(hint!);
        expect(words.slice(0, 2)).toEqual(['rowback', 'undo']);
        expect(words[3]).toBe('--to');
        expect(words).toHaveLength(5);
        expect(words[4]).not.toContain('<');
        const undone = await cli([...words.slice(1), '--yes', '--state-dir', stateDir]);
        expect(undone.code, describeRun(undone)).toBe(0);
        expect(await dumpTable(s, NOTES)).toEqual(before);
      });
    },
    TIMEOUT,
  );
});
