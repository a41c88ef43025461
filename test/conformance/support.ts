import { encodeField } from '../../src/core/rows.js';
import type { Capabilities } from '../../src/engines/engine.js';
import { mysqlEngine } from '../../src/engines/mysql/index.js';
import { postgresEngine } from '../../src/engines/postgres/index.js';
import { sqliteEngine } from '../../src/engines/sqlite/index.js';
import { type RestoreOptions, type RestoreReport, restore } from '../../src/index.js';
import {
  type EngineName,
  runCli,
  type Scratch,
  type ServerEngine,
  type SqlClient,
  scratch,
  tempDir,
} from '../harness/index.js';
import { forEngine, type Scenario, type Statements } from './scenarios.js';

/** The server engines. A new engine is done when the conformance suite passes for it. */
export const ENGINES: ServerEngine[] = ['postgres', 'mysql'];

/**
 * The engines nearly every conformance file runs on: the servers and SQLite. A case that cannot apply to
 * SQLite stays on ENGINES and says why beside it.
 */
export const SCENARIO_ENGINES: EngineName[] = [...ENGINES, 'sqlite'];

const CAPABILITIES: Record<EngineName, Capabilities> = {
  postgres: postgresEngine.capabilities,
  mysql: mysqlEngine.capabilities,
  sqlite: sqliteEngine.capabilities,
};

/**
 * With nobody to confirm, the engine's restore takes its lock first and classifies once under it (it cannot
 * prove a plan built before the lock still holds): the plan shown is taken under the lock.
 */
export function classifiesUnderLock(engine: EngineName): boolean {
  return !CAPABILITIES[engine].provesUnchanged;
}

/** Whether the engine offers a capability (see Capabilities). */
export function engineCan(engine: EngineName, capability: keyof Capabilities): boolean {
  return CAPABILITIES[engine][capability] === true;
}

/** Generous: the harness may be starting servers, and the machine is small. */
export const TIMEOUT = 120_000;

/**
 * Scenarios as `[name, scenario]` rows for `test.each(…)('%s', …)`, which prints the whole name (a `$name`
 * title would be cut short).
 */
export function named(scenarios: Scenario[]): [string, Scenario][] {
  return scenarios.map((scenario) => [scenario.name, scenario]);
}

/** The scenarios that apply to an engine (see `Scenario.notOn`). */
export function scenariosFor(engine: EngineName, scenarios: Scenario[]): Scenario[] {
  return scenarios.filter((scenario) => scenario.notOn?.[engine] === undefined);
}

/** Runs statements one by one on one client. */
export async function execAll(client: SqlClient, statements: Statements, engine: EngineName): Promise<void> {
  for (const sql of forEngine(statements, engine)) await client.exec(sql);
}

/** The past state on the source; the same state, then the accident, on the target. */
export async function prepareScenario(
  s: Scratch,
  scenario: Pick<Scenario, 'ddl' | 'seed' | 'accident'>,
): Promise<void> {
  for (const client of [s.source, s.target]) {
    await execAll(client, scenario.ddl, s.engine);
    await execAll(client, scenario.seed, s.engine);
  }
  await execAll(s.target, scenario.accident, s.engine);
}

/** Library options restoring the scenario's table from the scratch source into the scratch target. */
export function restoreOptions(s: Scratch, scenario: Scenario, stateDir: string): RestoreOptions {
  const o = scenario.options ?? {};
  return {
    table: scenario.table,
    from: s.sourceUrl,
    to: s.targetUrl,
    stateDir,
    ...(o.changed ? { changed: o.changed } : {}),
    ...(o.extra ? { extra: o.extra } : {}),
    ...(o.where ? { where: forEngine(o.where, s.engine) } : {}),
    ...(o.key ? { key: o.key } : {}),
  };
}

export async function restoreScenario(
  s: Scratch,
  scenario: Scenario,
  stateDir?: string,
): Promise<RestoreReport> {
  return restore(restoreOptions(s, scenario, stateDir ?? (await tempDir())));
}

/** The CLI flags restoring the scenario's table (without --yes / --json / --state-dir). */
export function restoreArgs(s: Scratch, scenario: Scenario): string[] {
  const o = scenario.options ?? {};
  const args = ['restore', scenario.table, '--from', s.sourceUrl, '--to', s.targetUrl];
  if (o.changed) args.push('--changed', o.changed);
  if (o.extra) args.push('--extra', o.extra);
  if (o.where) args.push('--where', forEngine(o.where, s.engine));
  if (o.key) args.push('--key', o.key.join(','));
  return args;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; with `--json` in args, stdout must be exactly one JSON object, which is returned parsed. */
export async function cli(
  args: string[],
): Promise<CliResult & { json: Record<string, unknown> | undefined }> {
  const result = await runCli(args, { timeoutMs: TIMEOUT - 10_000 });
  let json: Record<string, unknown> | undefined;
  if (args.includes('--json') && result.stdout.trim() !== '') {
    try {
      json = JSON.parse(result.stdout) as Record<string, unknown>;
    } catch {
      throw new Error(`--json stdout is not one JSON object:\n${result.stdout}\nstderr:\n${result.stderr}`);
    }
  }
  return { ...result, json };
}

/** A readable failure message for a CLI run that did not end as expected. */
export function describeRun(result: CliResult): string {
  return `exit ${result.code} (signal ${result.signal})\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
}

/** The scenario's table on one side, as dump lines. */
export function dumpTable(
  s: Scratch,
  scenario: Pick<Scenario, 'table' | 'orderBy'>,
  side: 'source' | 'target' = 'target',
) {
  return s.dump(side, scenario.table, scenario.orderBy);
}

/** A query's rows as dump lines (tab-separated, `\\N` for NULL, each value escaped as the dump escapes it). */
export async function queryLines(client: SqlClient, sql: string): Promise<string[]> {
  const rows = await client.query(sql);
  return rows.map((row) => row.map((value) => encodeField(value).toString('utf8')).join('\t'));
}

/** Runs `fn` with a fresh scratch pair, closing it afterwards. */
export async function withScratch<T>(engine: EngineName, fn: (s: Scratch) => Promise<T>): Promise<T> {
  const s = await scratch(engine);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}
