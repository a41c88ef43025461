import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { encodeField } from '../../src/core/rows.js';
import type { Scratch, SqlClient } from './index.js';
import { tempRoot } from './workers.js';

/**
 * A value as text, as the sqlite3 shell would print it: integers their digits (never a JS number), reals
 * in SQLite's own text (a SQLite REAL is the JS number's IEEE double; SQLite writes it), texts as they
 * are, blobs as lowercase `\x` hex.
 */
function text(db: Database.Database, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
  if (typeof value === 'number') {
    if (Object.is(value, -0)) return '-0.0';
    return String(db.prepare('SELECT CAST(? AS TEXT)').pluck().get(value));
  }
  return String(value);
}

/** A test client on a database file: several statements per exec, every value as text. */
export function connectSqlite(path: string): SqlClient {
  const db = new Database(path);
  db.defaultSafeIntegers(true);
  db.pragma('busy_timeout = 10000');
  return {
    async exec(sql) {
      db.exec(sql);
    },
    async query(sql) {
      const statement = db.prepare(sql);
      if (!statement.reader) {
        statement.run();
        return [];
      }
      return (statement.raw(true).all() as unknown[][]).map((row) => row.map((v) => text(db, v)));
    },
    async close() {
      if (db.open) db.close();
    },
  };
}

/** Two fresh database files (the source and the target) in a directory of their own. */
export async function createSqliteScratch(): Promise<Scratch> {
  const dir = await mkdtemp(join(tempRoot(), 'sqlite-'));
  const sourceUrl = join(dir, 'source.db');
  const targetUrl = join(dir, 'target.db');
  const source = connectSqlite(sourceUrl);
  const target = connectSqlite(targetUrl);
  // A database file is written on its first change; an empty file is no database yet.
  await source.exec('PRAGMA user_version = 1');
  await target.exec('PRAGMA user_version = 1');
  const clients = { source, target };
  let closed: Promise<void> | undefined;
  return {
    engine: 'sqlite',
    sourceUrl,
    targetUrl,
    source,
    target,
    async dump(side, table, orderBy) {
      const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
      const order = orderBy.map((c) => `${quote(c)} COLLATE BINARY`).join(', ');
      const rows = await clients[side].query(
        `SELECT * FROM ${quote(table)}${order ? ` ORDER BY ${order}` : ''}`,
      );
      return rows.map((row) => row.map((value) => encodeField(value).toString('utf8')).join('\t'));
    },
    close() {
      closed ??= (async () => {
        await source.close();
        await target.close();
        await rm(dir, { recursive: true, force: true });
      })();
      return closed;
    },
  };
}
