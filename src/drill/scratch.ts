import { RowbackError } from '../core/errors.js';
import { redactUrl } from '../core/redact.js';
import type { Opener } from '../core/sessions.js';
import type { TableSchema } from '../core/table.js';
import type { Connection } from '../engines/engine.js';
import type { RunningServer } from '../servers/server.js';
import { type DdlSession, openDdlSession } from './ddl-session.js';
import { SCRATCH_MARK, type ScratchSql, scratchSql } from './scratch-sql.js';

/** The database of a throwaway scratch server. */
const DATABASE = 'rowback_drill';

/** Where a drill restores to: a scratch database, never the live one. */
export interface Scratch {
  /** How to connect (may hold credentials; never printed). */
  url: string;
  label: string;
  engine: string;
  /** A session on it: what the source is pinned to, and what reads the restored table back. */
  target: Connection;
  /** How the table was found: absent (created by the drill), marked (left by an earlier drill), empty. */
  found: 'absent' | 'marked' | 'empty';
  /** True once the drill created the table (it drops it at the end). */
  created: boolean;
  /** Describes the scratch table (after `prepare`). */
  describe(): Promise<TableSchema>;
  /** Makes the table ready for the restore: created from the source's schema, or a marked one replaced. */
  prepare(source: TableSchema): Promise<void>;
  /** Drops the table the drill created (or empties the one that was there), stops a throwaway server. */
  close(keep: boolean): Promise<string>;
}

/**
 * Opens the scratch: `to` when given, else a throwaway server of `engine` started for the drill. Refuses,
 * before anything else happens, a table that has rows and no drill's mark: a drill never writes into a
 * table that may be production's.
 */
export async function openScratch(
  to: string | undefined,
  engine: string,
  table: string,
  opener: Opener,
): Promise<Scratch> {
  const server = to === undefined ? await startScratchServer(engine) : undefined;
  const url = to ?? (await scratchDatabase(server!, engine));
  let ddl: DdlSession | undefined;
  let target: Connection | undefined;
  try {
    target = (await opener.target(url)).value;
    ddl = await openDdlSession(url, target.engine.name);
    const sql = scratchSql(target.engine.name, databaseOf(url));
    const label = server
      ? `a throwaway ${engine === 'mysql' ? 'MariaDB' : 'PostgreSQL'} server`
      : redactUrl(url);
    const found = await inspect(target, ddl, sql, table, label);
    return scratchOf({ url, label, engine: target.engine.name, target, ddl, sql, table, found, server });
  } catch (error) {
    await ddl?.close().catch(() => undefined);
    await target?.close().catch(() => undefined);
    await server?.stop();
    throw error;
  }
}

interface Parts {
  url: string;
  label: string;
  engine: string;
  target: Connection;
  ddl: DdlSession;
  sql: ScratchSql;
  table: string;
  found: Scratch['found'];
  server: RunningServer | undefined;
}

function scratchOf(parts: Parts): Scratch {
  const { target, ddl, sql, table } = parts;
  const scratch: Scratch = {
    url: parts.url,
    label: parts.label,
    engine: parts.engine,
    target,
    found: parts.found,
    created: false,
    describe: () => target.describe({ name: table }),
    async prepare(source) {
      if (scratch.found === 'empty') return;
      if (scratch.found === 'marked') await ddl.exec(sql.drop(table));
      try {
        for (const statement of sql.create(source, table)) await ddl.exec(statement);
      } catch (error) {
        throw new RowbackError(
          'schema-mismatch',
          `The scratch table ${table} cannot be created on ${parts.label}: ${error instanceof Error ? error.message : String(error)}`,
          {
            hint: 'A column of a type the scratch database lacks (an enum, a domain)? Create an empty copy of the table there yourself (pg_dump -s -t TABLE | psql …) and give that database as --to.',
          },
        );
      }
      scratch.created = true;
    },
    async close(keep) {
      let done = '';
      try {
        if (!keep && scratch.created) {
          await ddl.exec(sql.drop(table));
          done = `dropped the scratch table ${table}`;
        } else if (!keep && scratch.found === 'empty') {
          await ddl.exec(sql.empty(table));
          done = `emptied ${table} again`;
        } else if (keep && (scratch.created || scratch.found === 'empty')) {
          done = `kept ${table} on ${parts.label}`;
        }
      } finally {
        await ddl.close().catch(() => undefined);
        await target.close().catch(() => undefined);
        if (parts.server) {
          await parts.server.stop();
          done = `${done ? `${done}; ` : ''}stopped ${parts.label}`;
        }
      }
      return done;
    },
  };
  return scratch;
}

async function inspect(
  target: Connection,
  ddl: DdlSession,
  sql: ScratchSql,
  table: string,
  label: string,
): Promise<Scratch['found']> {
  let schema: TableSchema;
  try {
    schema = await target.describe({ name: table });
  } catch (error) {
    if (error instanceof RowbackError && error.code === 'table-not-found') return 'absent';
    throw error;
  }
  const [[mark] = ['']] = await ddl.rows(sql.mark(table));
  if ((mark ?? '').startsWith(SCRATCH_MARK)) return 'marked';
  if (await target.isEmpty(schema)) return 'empty';
  throw new RowbackError(
    'usage',
    `${label} has a table ${table} with rows that no drill created: a drill restores only into a scratch table, never over data.`,
    {
      hint: 'Give --to a scratch database (or leave --to out: rowback starts a throwaway server), or drop the table there if it is yours to lose.',
    },
  );
}

async function startScratchServer(engine: string): Promise<RunningServer> {
  if (engine === 'postgres') return (await import('../servers/postgres.js')).startPostgres();
  if (engine === 'mysql') return (await import('../servers/mariadb.js')).startMariaDb();
  throw new RowbackError('usage', `rowback cannot start a scratch ${engine} server for the drill.`, {
    hint: 'Give --to a scratch database to restore into (for SQLite: an empty database file).',
  });
}

/** Creates the drill's database on a fresh throwaway server and returns a URL naming it. */
async function scratchDatabase(server: RunningServer, engine: string): Promise<string> {
  const ddl = await openDdlSession(server.url, engine);
  try {
    await ddl.exec(engine === 'mysql' ? `CREATE DATABASE \`${DATABASE}\`` : `CREATE DATABASE "${DATABASE}"`);
  } finally {
    await ddl.close();
  }
  const named = new URL(server.url);
  named.pathname = `/${DATABASE}`;
  return named.toString();
}

/** The URL's database (MySQL statements name it; the others ignore it). */
function databaseOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url.replace(/^mariadb:/i, 'mysql:')).pathname.replace(/^\//, ''));
  } catch {
    return '';
  }
}
