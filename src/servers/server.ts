/** A throwaway database server started by rowback (for `rowback demo`, tests and benchmarks). */
export interface RunningServer {
  /** Connection URL as the superuser, without a password; PostgreSQL: the `postgres` database. */
  url: string;
  port: number;
  /** The server's data directory, inside a temp dir that `stop` removes. */
  dataDir: string;
  /** Shuts the server down (fast, no checkpoint wait) and removes its temp dir. Safe to call twice. */
  stop(): Promise<void>;
  /** Where the server binaries were found, when known. */
  binDir?: string;
}

export interface ServerOptions {
  /** Server settings (`name → value`), applied after rowback's defaults so they win. */
  settings?: Record<string, string>;
  /** Receives every line the server logs. */
  log?: (line: string) => void;
  /** When root and the server's OS user is missing, create it (the demo, on a fresh machine). */
  createUser?: boolean;
  /**
   * Files written into the data directory before the server starts, owned by its user and 0600
   * (a TLS key and certificate, a pg_hba.conf): settings name them relative to the data directory.
   */
  files?: Record<string, string>;
}
