import mysql from 'mysql2/promise';
import pg from 'pg';
import { connect } from '../index.js';

/** A row as the server writes it: every value is the server's own text, NULL is null. */
export type TextRow = Record<string, string | null>;

/**
 * A plain SQL session on a throwaway server, for setting up scenes (the demo, the bench). Values come back
 * as the server's text, never as JS numbers or Dates, and the session is pinned to UTC so that timestamps
 * read the same on every server.
 */
export interface SqlSession {
  readonly engine: 'postgres' | 'mysql' | 'sqlite';
  /** Runs one statement. */
  run(sql: string): Promise<void>;
  /** Runs one query and returns its rows as text. */
  rows(sql: string): Promise<TextRow[]>;
  close(): Promise<void>;
}

const asText = (value: string) => value;

/** Opens a session for a `postgres://` or `mysql://` URL, or a SQLite database file. */
export async function openSession(url: string): Promise<SqlSession> {
  if (/^postgres(ql)?:/i.test(url)) return openPostgres(url);
  if (/^(mysql|mariadb):/i.test(url)) return openMysql(url);
  return openSqlite(url);
}

/** A SQLite file through rowback's own pinned session: values come back as SQLite's text. */
async function openSqlite(path: string): Promise<SqlSession> {
  const db = await connect(path, { multipleStatements: true });
  return {
    engine: 'sqlite',
    run: (sql) => db.exec(sql),
    rows: async (sql) => {
      const result = await db.query(sql);
      return result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c, row[i] ?? null])));
    },
    close: () => db.close(),
  };
}

async function openPostgres(url: string): Promise<SqlSession> {
  const client = new pg.Client({ connectionString: url, types: { getTypeParser: () => asText } });
  // A server that goes away (Ctrl-C stops it) must fail the next query, not crash the process.
  client.on('error', () => {});
  await client.connect();
  await client.query("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'");
  return {
    engine: 'postgres',
    run: async (sql) => {
      await client.query(sql);
    },
    rows: async (sql) => (await client.query<TextRow>(sql)).rows,
    close: () => client.end(),
  };
}

async function openMysql(url: string): Promise<SqlSession> {
  const connection = await mysql.createConnection({
    uri: url,
    typeCast: (field) => field.string('utf8'),
  });
  connection.on('error', () => {});
  await connection.query("SET time_zone = '+00:00', NAMES utf8mb4");
  return {
    engine: 'mysql',
    run: async (sql) => {
      await connection.query(sql);
    },
    rows: async (sql) => (await connection.query(sql))[0] as TextRow[],
    close: () => connection.end(),
  };
}

/** Double-quotes (PostgreSQL, SQLite) or backquotes (MySQL) an identifier. */
export function quoteName(engine: SqlSession['engine'], name: string): string {
  return engine === 'mysql' ? `\`${name.replaceAll('`', '``')}\`` : `"${name.replaceAll('"', '""')}"`;
}
