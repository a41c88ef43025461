import { CHECKS } from './checks/index.js';
import { openSubject, type SubjectOptions } from './subjects.js';
import type { CheckResult, CheckStatus, DoctorFacts, DoctorSubject } from './types.js';

export type { Check, CheckResult, CheckStatus, DoctorSubject } from './types.js';

/** What `rowback doctor` found: each check's result, the facts, and the overall status. */
export interface DoctorReport {
  server: string;
  /** What was checked: a MySQL/MariaDB binlog, PostgreSQL WAL archiving, RDS backups, backup directories. */
  subject: DoctorSubject;
  status: CheckStatus;
  checks: CheckResult[];
  facts: DoctorFacts;
}

export interface DoctorOptions {
  /** Tables to judge (default: every base table of the URL's database). MySQL/MariaDB. */
  tables?: string[];
  /** PostgreSQL: a directory of base backups (or one base backup): is the newest one recoverable, how old. */
  baseBackup?: string;
  /** PostgreSQL: the WAL archive directory: the oldest WAL kept, gaps, the newest segment's age. */
  walArchive?: string;
}

export { DOCTOR_EXIT } from './exit-codes.js';

/**
 * Runs every check that applies, in order; one failing to run is reported, not thrown. `url` is a
 * mysql://, mariadb:// or postgres:// URL, `rds:INSTANCE` or `rds-cluster:CLUSTER`; it may be left out
 * when only backup directories are checked.
 */
export async function runDoctor(url: string | undefined, options: DoctorOptions = {}): Promise<DoctorReport> {
  const subject = await openSubject(url, options satisfies SubjectOptions);
  const { context } = subject;
  try {
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
    return { server: context.label, subject: context.engine, status, checks, facts: context.facts };
  } finally {
    await subject.close();
  }
}
