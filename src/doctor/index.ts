import { RowbackError } from '../core/errors.js';
import { redactUrl, registerUrlSecrets } from '../core/redact.js';
import { ReplicaConnection } from '../sources/binlog/replica.js';
import { CHECKS } from './checks/index.js';
import type { CheckResult, CheckStatus, DoctorContext, DoctorFacts } from './types.js';

export type { Check, CheckResult, CheckStatus } from './types.js';

/** What `rowback doctor` found: each check's result, the facts, and the overall status. */
export interface DoctorReport {
  server: string;
  status: CheckStatus;
  checks: CheckResult[];
  facts: DoctorFacts;
}

export interface DoctorOptions {
  /** Tables to judge (default: every base table of the URL's database). */
  tables?: string[];
}

/** Exit codes of `rowback doctor`, for cron: everything recoverable, recoverable with limits, not recoverable. */
export const DOCTOR_EXIT = { ok: 0, warn: 20, fail: 21 } as const;

/** Runs every check that applies to the server, in order; one failing to run is reported, not thrown. */
export async function runDoctor(url: string, options: DoctorOptions = {}): Promise<DoctorReport> {
  registerUrlSecrets(url);
  const label = redactUrl(url);
  if (!/^(mysql|mariadb):/i.test(url)) {
    throw new RowbackError(
      'unsupported',
      `rowback doctor checks MySQL and MariaDB servers (binlog recovery); ${label} is not one yet.`,
      {
        hint: 'Give a mysql:// or mariadb:// URL.',
      },
    );
  }
  const connection = await ReplicaConnection.open(url);
  try {
    const context = await contextOf(connection, url, label, options);
    const checks: CheckResult[] = [];
    for (const check of CHECKS) {
      if (!check.applies(context)) continue;
      const result = await check.run(context).catch(
        (error: unknown): CheckResult => ({
          id: check.id,
          status: 'fail',
          summary: `the check could not run: ${error instanceof Error ? error.message : String(error)}`,
        }),
      );
      context.results.set(check.id, result);
      checks.push(result);
    }
    const status: CheckStatus = checks.some((c) => c.status === 'fail')
      ? 'fail'
      : checks.some((c) => c.status === 'warn')
        ? 'warn'
        : 'ok';
    return { server: label, status, checks, facts: context.facts };
  } finally {
    connection.close();
  }
}

async function contextOf(
  connection: ReplicaConnection,
  url: string,
  label: string,
  options: DoctorOptions,
): Promise<DoctorContext> {
  const variables = new Map<string, string>();
  for (const [name, value] of await connection.query('SHOW GLOBAL VARIABLES')) {
    variables.set(name!.toLowerCase(), value ?? '');
  }
  const database =
    decodeURIComponent(new URL(url.replace(/^mariadb:/i, 'mysql:')).pathname.slice(1)) || undefined;
  return {
    label,
    url,
    engine: 'mysql',
    mariadb: connection.mariadb,
    database,
    tables: options.tables,
    query: (sql, values) => connection.query(sql, values),
    variables,
    results: new Map(),
    facts: {},
  };
}
