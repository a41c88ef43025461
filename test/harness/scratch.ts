import { randomBytes } from 'node:crypto';
import { encodeField } from '../../src/core/rows.js';
import { connectClient } from './clients.js';
import type { EngineName, Scratch, SqlClient } from './index.js';
import { serverPairFor } from './workers.js';

/** Creates an empty database on each server of the engine's pair and connects to both. */
export async function createScratch(engine: EngineName): Promise<Scratch> {
  const pair = await serverPairFor(engine);
  const base = `rb_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const sourceUrl = await createDatabase(engine, pair.source, `${base}_s`);
  let targetUrl: string | undefined;
  const clients: SqlClient[] = [];
  try {
    targetUrl = await createDatabase(engine, pair.target, `${base}_t`);
    const open = async (url: string) => {
      const client = await connectClient(engine, url);
      clients.push(client);
      return client;
    };
    const source = await open(sourceUrl);
    const target = await open(targetUrl);
    const dumpClients: Partial<Record<'source' | 'target', Promise<SqlClient>>> = {};
    let closed: Promise<void> | undefined;
    const urls = { source: sourceUrl, target: targetUrl };
    return {
      engine,
      sourceUrl,
      targetUrl,
      source,
      target,
      async dump(side, table, orderBy) {
        // Its own session, so whatever a test SET on `source`/`target` cannot change the text.
        dumpClients[side] ??= open(urls[side]);
        return dumpTable(engine, await dumpClients[side], table, orderBy);
      },
      close() {
        closed ??= (async () => {
          await Promise.all(clients.map((client) => client.close()));
          await dropDatabase(engine, pair.source, `${base}_s`);
          await dropDatabase(engine, pair.target, `${base}_t`);
        })();
        return closed;
      },
    };
  } catch (error) {
    await Promise.all(clients.map((client) => client.close()));
    await dropDatabase(engine, pair.source, `${base}_s`).catch(() => undefined);
    if (targetUrl) await dropDatabase(engine, pair.target, `${base}_t`).catch(() => undefined);
    throw error;
  }
}

/** One more empty database on the engine's source or target server (see `extraDatabase` in index.ts). */
export async function createExtra(
  engine: EngineName,
  side: 'source' | 'target',
  named?: string,
): Promise<{ url: string; client: SqlClient; close(): Promise<void> }> {
  const admin = (await serverPairFor(engine))[side];
  const name = named ?? `rb_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}_x`;
  const url = await createDatabase(engine, admin, name);
  const client = await connectClient(engine, url).catch(async (error: unknown) => {
    await dropDatabase(engine, admin, name);
    throw error;
  });
  return {
    url,
    client,
    async close() {
      await client.close();
      await dropDatabase(engine, admin, name);
    },
  };
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function withAdmin<T>(
  engine: EngineName,
  adminUrl: string,
  fn: (admin: SqlClient) => Promise<T>,
): Promise<T> {
  const admin = await connectClient(engine, adminUrl);
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

async function createDatabase(engine: EngineName, adminUrl: string, name: string): Promise<string> {
  await withAdmin(engine, adminUrl, (admin) =>
    admin.exec(
      engine === 'postgres' ? `CREATE DATABASE ${pgIdent(name)}` : `CREATE DATABASE ${myIdent(name)}`,
    ),
  );
  return withDatabase(adminUrl, name);
}

async function dropDatabase(engine: EngineName, adminUrl: string, name: string): Promise<void> {
  await withAdmin(engine, adminUrl, async (admin) => {
    if (engine === 'postgres') {
      // FORCE ends sessions a killed CLI may have left behind (PostgreSQL 13+).
      const [[version]] = (await admin.query('SHOW server_version_num')) as [[string]];
      const force = Number(version) >= 130000 ? ' WITH (FORCE)' : '';
      await admin.exec(`DROP DATABASE IF EXISTS ${pgIdent(name)}${force}`);
      return;
    }
    const sessions = await admin.query(
      `SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ${literal(name, engine)} AND ID <> CONNECTION_ID()`,
    );
    for (const [id] of sessions) await admin.exec(`KILL ${Number(id)}`).catch(() => undefined);
    await admin.exec(`DROP DATABASE IF EXISTS ${myIdent(name)}`);
  });
}

export function pgIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function myIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** A string literal for names (PostgreSQL with standard_conforming_strings; MySQL in its default mode). */
function literal(text: string, engine: EngineName = 'postgres'): string {
  const escaped = engine === 'mysql' ? text.replace(/\\/g, '\\\\') : text;
  return `'${escaped.replace(/'/g, "''")}'`;
}

/** `schema.table` or `table` → its parts (a name containing a dot is not supported here). */
function tableParts(table: string): string[] {
  const dot = table.indexOf('.');
  return dot === -1 ? [table] : [table.slice(0, dot), table.slice(dot + 1)];
}

export async function dumpTable(
  engine: EngineName,
  client: SqlClient,
  table: string,
  orderBy: string[],
): Promise<string[]> {
  const parts = tableParts(table);
  const ident = engine === 'postgres' ? pgIdent : myIdent;
  const qualified = parts.map(ident).join('.');
  const textColumns = await collatableColumns(engine, client, parts, qualified);
  // Byte order: text compares by its UTF-8 bytes, whatever the column's or server's collation says.
  const order = orderBy.map((column) => {
    if (!textColumns.has(column)) return ident(column);
    return engine === 'postgres'
      ? `${ident(column)} COLLATE "C"`
      : `CAST(CONVERT(${ident(column)} USING utf8mb4) AS BINARY)`;
  });
  const orderSql = order.length ? ` ORDER BY ${order.join(', ')}` : '';
  const rows = await client.query(`SELECT * FROM ${qualified}${orderSql}`);
  const floats = engine === 'mysql' ? await floatColumns(client, parts) : [];
  if (floats.length > 0 && client.floats) {
    // The same order, so row i of both reads is one row (orderBy is a key).
    const exact = await client.floats(
      `SELECT ${floats.map((f) => myIdent(f.name)).join(', ')} FROM ${qualified}${orderSql}`,
    );
    rows.forEach((row, i) => {
      floats.forEach((f, j) => {
        row[f.position] = exact[i]?.[j] ?? null;
      });
    });
  }
  return rows.map((row) => row.map((value) => encodeField(value).toString('utf8')).join('\t'));
}

/** MySQL FLOAT and DOUBLE columns and their positions (0-based) in `SELECT *`, which skips invisible ones. */
async function floatColumns(
  client: SqlClient,
  parts: string[],
): Promise<{ name: string; position: number }[]> {
  const rows = await client.query(
    "SELECT COLUMN_NAME, DATA_TYPE IN ('float', 'double') FROM information_schema.COLUMNS" +
      ` WHERE TABLE_SCHEMA = ${parts.length === 2 ? literal(parts[0]!, 'mysql') : 'DATABASE()'}` +
      ` AND TABLE_NAME = ${literal(parts[parts.length - 1]!, 'mysql')}` +
      " AND EXTRA NOT LIKE '%INVISIBLE%' ORDER BY ORDINAL_POSITION",
  );
  return rows
    .map(([name, float], position) => ({ name: name ?? '', float: float === '1', position }))
    .filter((c) => c.float);
}

async function collatableColumns(
  engine: EngineName,
  client: SqlClient,
  parts: string[],
  qualified: string,
): Promise<Set<string>> {
  const rows =
    engine === 'postgres'
      ? await client.query(
          `SELECT attname FROM pg_attribute WHERE attrelid = ${literal(qualified)}::regclass` +
            ' AND attnum > 0 AND NOT attisdropped AND attcollation <> 0',
        )
      : await client.query(
          'SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE COLLATION_NAME IS NOT NULL' +
            ` AND TABLE_SCHEMA = ${parts.length === 2 ? literal(parts[0]!, engine) : 'DATABASE()'}` +
            ` AND TABLE_NAME = ${literal(parts[parts.length - 1]!, engine)}`,
        );
  return new Set(rows.map(([name]) => name ?? ''));
}
