import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { diff, restore } from '../../src/index.js';
import { type EngineName, tempDir } from '../harness/index.js';
import { forEngine, SCENARIOS } from './scenarios.js';
import { TAKE_SOURCE_DELETE } from './scenarios-policies.js';
import {
  dumpTable,
  ENGINES,
  execAll,
  named,
  prepareScenario,
  restoreOptions,
  TIMEOUT,
  withScratch,
} from './support.js';

/** Runs a SQL script with the engine's own command-line client, stopping at the first error. */
function runClientScript(
  engine: EngineName,
  url: string,
  file: string,
): Promise<{ code: number | null; stderr: string }> {
  const u = new URL(url);
  const env: Record<string, string> = { ...(process.env as Record<string, string>) };
  let command: string;
  let args: string[];
  if (engine === 'postgres') {
    command = 'psql';
    args = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file, '-d', url];
  } else {
    command = 'mysql';
    args = [
      '-h',
      u.hostname,
      '-P',
      u.port || '3306',
      '-u',
      decodeURIComponent(u.username),
      u.pathname.slice(1),
    ];
    if (u.password) env['MYSQL_PWD'] = decodeURIComponent(u.password);
  }
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
    // psql reads the file itself (-f); mysql reads it from stdin, as a user would type `mysql … < file`
    if (engine === 'mysql') createReadStream(file).pipe(child.stdin);
    else child.stdin.end();
  });
}

describe.each(ENGINES)('diff, --dry-run and --sql-out write nothing on %s', (engine) => {
  test.each(named(SCENARIOS))(
    'diff reports the plan and writes nothing: %s',
    async (_name, scenario) => {
      await withScratch(engine, async (s) => {
        await prepareScenario(s, scenario);
        const before = await dumpTable(s, scenario);
        const { stateDir: _, ...options } = restoreOptions(s, scenario, await tempDir());
        const report = await diff({ ...options, stateDir: await tempDir() });
        expect(report.plan).toEqual(scenario.expect.plan);
        expect(await dumpTable(s, scenario)).toEqual(before);
      });
    },
    TIMEOUT,
  );

  test.each(named(SCENARIOS))(
    'dry-run reports what it would write and writes nothing: %s',
    async (_name, scenario) => {
      await withScratch(engine, async (s) => {
        await prepareScenario(s, scenario);
        const before = await dumpTable(s, scenario);
        const report = await restore({ ...restoreOptions(s, scenario, await tempDir()), dryRun: true });
        expect(report.outcome).toBe('dry-run');
        expect(report.plan).toEqual(scenario.expect.plan);
        expect(report.applied).toEqual(scenario.expect.applied);
        expect(await dumpTable(s, scenario)).toEqual(before);
      });
    },
    TIMEOUT,
  );

  test.each(named(SCENARIOS))(
    '--sql-out writes a script that the engine client runs to the same final table: %s',
    async (_name, scenario) => {
      await withScratch(engine, async (s) => {
        await prepareScenario(s, scenario);
        const before = await dumpTable(s, scenario);
        const sqlOut = join(await tempDir(), 'restore.sql');
        const report = await restore({ ...restoreOptions(s, scenario, await tempDir()), sqlOut });
        expect(report.outcome).toBe('script');
        expect(report.plan).toEqual(scenario.expect.plan);
        expect(await dumpTable(s, scenario)).toEqual(before);

        const ran = await runClientScript(engine, s.targetUrl, sqlOut);
        expect(ran.code, ran.stderr).toBe(0);
        expect(await dumpTable(s, scenario)).toEqual(forEngine(scenario.expect.final, engine));
        // the script moves identity / AUTO_INCREMENT counters too
        if (scenario.after) {
          await execAll(s.target, scenario.after.sql, engine);
          expect(await dumpTable(s, scenario)).toEqual(forEngine(scenario.after.final, engine));
        }
      });
    },
    TIMEOUT,
  );

  test(
    'a target that already matches the source is left alone: nothing-to-do, nothing written',
    async () => {
      await withScratch(engine, async (s) => {
        const scenario = TAKE_SOURCE_DELETE;
        await prepareScenario(s, { ...scenario, accident: [] });
        const before = await dumpTable(s, scenario);
        const report = await restore(restoreOptions(s, scenario, await tempDir()));
        expect(report.outcome).toBe('nothing-to-do');
        expect(report.plan).toEqual({ missing: 0, changed: 0, extra: 0, same: 6 });
        expect(report.applied).toEqual({ inserted: 0, updated: 0, deleted: 0 });
        expect(await dumpTable(s, scenario)).toEqual(before);
      });
    },
    TIMEOUT,
  );
});
