import mysql, { type FieldPacket } from 'mysql2/promise';
import pg from 'pg';
import type { EngineName, SqlClient } from './index.js';

/**
 * Test clients that never turn values into JS numbers or Dates: every value stays the server's text, with
 * the session pinned the way rowback pins it (DESIGN.md "Pin the session, then trust the text").
 */

export const PG_PINNED = [
  "SET client_encoding = 'UTF8'",
  "SET DateStyle = 'ISO, YMD'",
  'SET IntervalStyle = postgres',
  "SET TimeZone = 'UTC'",
  'SET extra_float_digits = 3',
  'SET bytea_output = hex',
  "SET lc_monetary = 'C'",
].join('; ');

export const MYSQL_PINNED = "SET time_zone = '+00:00', NAMES utf8mb4";

/** Opens a pinned client for a URL of the given engine. */
export function connectClient(engine: EngineName, url: string): Promise<SqlClient> {
  return engine === 'postgres' ? connectPostgres(url) : connectMysql(url);
}

const rawText = { getTypeParser: () => (value: string) => value };

async function connectPostgres(url: string): Promise<SqlClient> {
  const client = new pg.Client({ connectionString: url, types: rawText });
  client.on('error', () => undefined); // a server killed under a test surfaces on the next query instead
  await client.connect();
  await client.query(PG_PINNED);
  return {
    async exec(sql) {
      await client.query(sql);
    },
    async query(sql) {
      const result = (await client.query({ text: sql, rowMode: 'array' })) as unknown as
        | pg.QueryArrayResult
        | pg.QueryArrayResult[];
      const last = Array.isArray(result) ? result[result.length - 1] : result;
      return (last?.rows ?? []) as (string | null)[][];
    },
    async close() {
      await client.end().catch(() => undefined);
    },
  };
}

/** Column types whose values are bytes when the column's character set is `binary` (63). */
const BYTE_TYPES = new Set([
  15, // VARCHAR
  16, // BIT
  249, // TINY_BLOB
  250, // MEDIUM_BLOB
  251, // LONG_BLOB
  252, // BLOB
  253, // VAR_STRING
  254, // STRING
  255, // GEOMETRY
]);

function isBytes(field: FieldPacket): boolean {
  return field.characterSet === 63 && BYTE_TYPES.has(field.columnType ?? field.type ?? -1);
}

/** Values as the server's text; binary values as lowercase hex `\x…` (like PostgreSQL's bytea). */
export function mysqlText(fields: FieldPacket[], row: (Buffer | null)[]): (string | null)[] {
  return row.map((value, i) => {
    if (value === null) return null;
    const field = fields[i];
    return field && isBytes(field) ? `\\x${value.toString('hex')}` : value.toString('utf8');
  });
}

/** mysql2 options from a `mysql://user:password@host:port/database` URL. */
export function mysqlOptions(url: string): mysql.ConnectionOptions {
  const parsed = new URL(url);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 3306,
    user: decodeURIComponent(parsed.username) || 'root',
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || undefined,
    multipleStatements: true,
    rowsAsArray: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    typeCast: (field, _next) => field.buffer(),
  };
}

async function connectMysql(url: string): Promise<SqlClient> {
  const connection = await mysql.createConnection(mysqlOptions(url));
  connection.on('error', () => undefined);
  await connection.query(MYSQL_PINNED);
  let binary: Promise<mysql.Connection> | undefined;
  return {
    async exec(sql) {
      await connection.query(sql);
    },
    async query(sql) {
      const [rows, fields] = await connection.query(sql);
      if (!Array.isArray(rows) || !Array.isArray(fields)) return [];
      // Several statements give one result per statement; a query is about the last one.
      const multi = (fields as unknown[]).some((f) => f === undefined || Array.isArray(f));
      const lastRows = (multi ? rows[rows.length - 1] : rows) as unknown as (Buffer | null)[][];
      const lastFields = (multi ? fields[fields.length - 1] : fields) as FieldPacket[];
      if (!Array.isArray(lastRows) || !Array.isArray(lastFields)) return [];
      return lastRows.map((row) => mysqlText(lastFields, row));
    },
    async floats(sql) {
      // Its own session: mysql2's binary protocol reader cannot take the text client's typeCast.
      binary ??= mysql.createConnection({ ...mysqlOptions(url), typeCast: true }).then(async (c) => {
        c.on('error', () => undefined);
        await c.query(MYSQL_PINNED);
        return c;
      });
      const [rows, fields] = await (await binary).execute<mysql.RowDataPacket[]>(sql);
      return (rows as unknown as (number | null)[][]).map((row) =>
        row.map((value, i) => (value === null ? null : floatText(value, fields[i]?.columnType === FLOAT))),
      );
    },
    async close() {
      await connection.end().catch(() => undefined);
      if (binary) await (await binary).end().catch(() => undefined);
    },
  };
}

/** The binary protocol's type code of FLOAT (DOUBLE is 5). */
const FLOAT = 4;

/**
 * The shortest decimal that reads back as the same binary value: `String` for a double; for a FLOAT the
 * fewest significant digits whose nearest float is this one (a FLOAT arrives widened to a double exactly).
 */
export function floatText(value: number, single: boolean): string {
  if (Object.is(value, -0)) return '-0';
  if (!single) return String(value);
  for (let digits = 1; digits < 9; digits++) {
    const shorter = Number(value.toPrecision(digits));
    if (Math.fround(shorter) === value) return String(shorter);
  }
  return String(Number(value.toPrecision(9)));
}
