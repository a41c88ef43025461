/**
 * `rowback doctor`: what a server can recover and since when, and what to change for more. Each check
 * lives in its own file under `checks/` and is listed in `checks/index.ts`; a check says whether it
 * applies to the server and returns one result.
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

/** What checks read the server through, and what earlier checks found (read once, shared). */
export interface DoctorContext {
  /** The server as `mysql://user@host:port/db`, never with its password. */
  label: string;
  url: string;
  engine: 'mysql' | 'postgres';
  mariadb: boolean;
  /** The URL's database: the tables whose recovery is judged. */
  database: string | undefined;
  /** Tables to judge (default: every base table of the database). */
  tables: string[] | undefined;
  query(sql: string, values?: unknown[]): Promise<(string | null)[][]>;
  /** Global variables, lower-case names. */
  variables: Map<string, string>;
  /** Results of the checks run so far, by id. */
  results: Map<string, CheckResult>;
  /** Facts a check found for later ones and the report (the oldest moment covered, …). */
  facts: DoctorFacts;
}

export interface DoctorFacts {
  /** Seconds since the epoch of the oldest binlog's start; undefined when it could not be read. */
  oldestCovered?: number;
  /** How long binlogs are kept, in seconds; 0 for ever; undefined when unknown. */
  retentionSeconds?: number;
  /** Per table: whether a DELETE of it is recoverable from the binlog now, and why not. */
  tables?: { table: string; recoverable: boolean; why?: string }[];
}

export interface Check {
  id: string;
  applies(context: DoctorContext): boolean;
  run(context: DoctorContext): Promise<CheckResult>;
}
