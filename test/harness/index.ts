import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createExtra, createScratch } from './scratch.js';
import { createSqliteScratch } from './sqlite.js';
import { binlogServerUrl, serverPairFor, tempRoot } from './workers.js';

export { runCli, spawnCli } from './cli.js';
export { binlogServerUrl };

/**
 * What data tests use: fresh databases on two differently configured servers per engine, pinned clients,
 * exact table dumps, the built CLI, temp dirs. Servers are started by `global-setup.ts`, once per run.
 */

/** Engines whose test servers the harness starts. */
export type ServerEngine = 'postgres' | 'mysql';

/** Every engine the tests run against: the server engines, and SQLite on files in temp dirs. */
export type EngineName = ServerEngine | 'sqlite';

export interface SqlClient {
  /** Runs one or more statements (multi-statement allowed). */
  exec(sql: string): Promise<void>;
  /** Rows with every value as the server's text; NULL as null; binary/bytea values as lowercase hex '\\x…'. */
  query(sql: string): Promise<(string | null)[][]>;
  /**
   * MySQL only: rows of FLOAT and DOUBLE columns read over the binary protocol (the stored IEEE bits, where
   * the text protocol rounds FLOAT to 6 digits), each as the shortest decimal that reads back as the same
   * float or double (`-0` kept).
   */
  floats?(sql: string): Promise<(string | null)[][]>;
  close(): Promise<void>;
}

export interface Scratch {
  engine: EngineName;
  /** URLs to a fresh, empty database on the source server and one on the target server. */
  sourceUrl: string;
  targetUrl: string;
  /** Connected to sourceUrl. */
  source: SqlClient;
  /** Connected to targetUrl. */
  target: SqlClient;
  /**
   * The table's full content as lines (one per row, ordered by the given columns in byte order), each line
   * the row's values in text row format (tab-separated, \N for NULL), read with rowback's pinned session
   * settings (UTC, ISO dates, extra_float_digits=3, bytea hex / raw binary as hex) so two sides compare
   * byte for byte. MySQL FLOAT and DOUBLE values come from their stored bits (see `SqlClient.floats`), so a
   * value rounded on its way shows. `table` is `name` or `schema.name`.
   */
  dump(side: 'source' | 'target', table: string, orderBy: string[]): Promise<string[]>;
  /** Drops both databases and closes clients. */
  close(): Promise<void>;
}

/** Fresh, empty databases on the engine's source and target servers (starting them on first use). */
export function scratch(engine: EngineName): Promise<Scratch> {
  return engine === 'sqlite' ? createSqliteScratch() : createScratch(engine);
}

/**
 * One more fresh database on the engine's source or target server, beside a scratch pair's (a copy of a
 * target elsewhere on the same server, say), with a pinned client; `close` drops it. `name` gives it the
 * name of a database on the other server, as a copy of a whole instance would have.
 */
export function extraDatabase(
  engine: EngineName,
  side: 'source' | 'target',
  name?: string,
): Promise<{ url: string; client: SqlClient; close(): Promise<void> }> {
  return createExtra(engine, side, name);
}

/**
 * The superuser URL of the engine's source or target server itself (PostgreSQL: its `postgres` database),
 * for tests that manage their own databases. Prefer `scratch()`.
 */
export async function serverUrl(engine: EngineName, side: 'source' | 'target' = 'target'): Promise<string> {
  return (await serverPairFor(engine))[side];
}

/** A fresh temp dir (for --state-dir, --sql-out files), removed at the end of the run. */
export function tempDir(): Promise<string> {
  return mkdtemp(join(tempRoot(), 'dir-'));
}

/** The Sakila dataset directory (`../shared/datasets/sakila` relative to the repository root). */
export const SAKILA_DIR: string = fileURLToPath(new URL('../../../shared/datasets/sakila', import.meta.url));
