import type { RdsSource } from '../sources/rds/describe.js';

/**
 * `rowback doctor`: what a server can recover and since when, and what to change for more. Each check
 * lives in its own file under `checks/` and is listed in `checks/index.ts`; a check says whether it
 * applies to what is being checked and returns one result.
 */
export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  id: string;
  status: CheckStatus;
  /** One line: what was found. */
  summary: string;
  /** What to change, when not ok: the statement or setting. */
  fix?: string;
}

/**
 * What is checked: a MySQL/MariaDB server (its binlog), a PostgreSQL server (its WAL archiving), an
 * Amazon RDS instance or Aurora cluster (its automated backups), or only backup directories (`files`).
 */
export type DoctorSubject = 'mysql' | 'postgres' | 'rds' | 'files';

/** What checks read the server through, and what earlier checks found (read once, shared). */
export interface DoctorContext {
  /** What is checked, never with a password: `mysql://user@host:port/db`, `rds:prod (eu-west-1)`. */
  label: string;
  url: string;
  engine: DoctorSubject;
  mariadb: boolean;
  /** The URL's database: the tables whose recovery is judged. */
  database: string | undefined;
  /** Tables to judge (default: every base table of the database). */
  tables: string[] | undefined;
  query(sql: string, values?: unknown[]): Promise<(string | null)[][]>;
  /** MySQL: global variables; PostgreSQL: pg_settings. Lower-case names. */
  variables: Map<string, string>;
  /** MySQL on Amazon RDS: `CALL mysql.rds_show_configuration`, by name; undefined elsewhere. */
  rdsConfiguration: Map<string, string | null> | undefined;
  /** rds: the instance or cluster as the RDS API describes it. */
  rds: RdsSource | undefined;
  /** PostgreSQL: a directory holding base backups (or one base backup), `--base-backup`. */
  baseBackup: string | undefined;
  /** PostgreSQL: the WAL archive directory (archive_command's destination), `--wal-archive`. */
  walArchive: string | undefined;
  /** The moment the checks judge ages against, ms since the epoch. */
  now: number;
  /** Results of the checks run so far, by id. */
  results: Map<string, CheckResult>;
  /** Facts a check found for later ones and the report (the oldest moment covered, …). */
  facts: DoctorFacts;
}

/** A base backup found under `--base-backup`. */
export interface FoundBackup {
  dir: string;
  /** backup_label's START TIME, as written. */
  started: string;
  startedMs: number | undefined;
  /** The WAL segment recovery starts from. */
  startSegment: string;
}

export interface DoctorFacts {
  /** Seconds since the epoch of the oldest moment recoverable; undefined when it could not be read. */
  oldestCovered?: number;
  /** How long binlogs (or backups) are kept, in seconds; 0 for ever; undefined when unknown. */
  retentionSeconds?: number;
  /** Per table: whether a DELETE of it is recoverable from the binlog now, and why not. */
  tables?: { table: string; recoverable: boolean; why?: string }[];
  /** rds: the window a point-in-time restore can reach, ISO 8601 UTC. */
  restorableWindow?: { earliest?: string; latest?: string };
  /** PostgreSQL: the base backups found, oldest first. */
  baseBackups?: FoundBackup[];
  /** PostgreSQL: the oldest and newest WAL segments in the archive. */
  oldestWal?: string;
  newestWal?: string;
  /** PostgreSQL: the archiver's state (pg_stat_archiver). */
  archiver?: {
    archivedCount: number;
    failedCount: number;
    lastArchivedWal?: string;
    lastFailedWal?: string;
    /** Seconds since the last segment was archived. */
    lastArchivedAgeSeconds?: number;
  };
}

export interface Check {
  id: string;
  applies(context: DoctorContext): boolean;
  run(context: DoctorContext): Promise<CheckResult>;
}
