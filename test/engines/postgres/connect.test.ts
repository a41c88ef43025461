import { describe, expect, it } from 'vitest';
import type { RowbackError } from '../../../src/core/errors.js';
import { postgresEngine } from '../../../src/engines/postgres/index.js';
import { collect, scratchDb, serverUrl } from './support.js';

async function withParts(parts: {
  password?: string;
  port?: string;
  host?: string;
  database?: string;
}): Promise<string> {
  const url = new URL(await serverUrl());
  if (parts.password !== undefined) url.password = parts.password;
  if (parts.port !== undefined) url.port = parts.port;
  if (parts.host !== undefined) url.hostname = parts.host;
  if (parts.database !== undefined) url.pathname = `/${parts.database}`;
  return url.toString();
}

async function connectError(url: string): Promise<RowbackError> {
  return (await postgresEngine.connect(url).then(
    () => {
      throw new Error('connected');
    },
    (e) => e,
  )) as RowbackError;
}

describe('postgres connect', () => {
  it('pins the session: values come out as the same text whatever the database defaults say', async () => {
    const db = await scratchDb();
    try {
      const name = new URL(db.url).pathname.slice(1);
      await db.client.query(`ALTER DATABASE ${name} SET TimeZone = 'America/New_York'`);
      await db.client.query(`ALTER DATABASE ${name} SET DateStyle = 'SQL, DMY'`);
      await db.client.query(`ALTER DATABASE ${name} SET IntervalStyle = 'sql_standard'`);
      await db.client.query(`ALTER DATABASE ${name} SET bytea_output = 'escape'`);
      await db.client.query(`ALTER DATABASE ${name} SET extra_float_digits = 0`);
      await db.client.query(
        `CREATE TABLE v (id int PRIMARY KEY, ts timestamptz, d date, iv interval, b bytea, f float8)`,
      );
      await db.client.query(
        `INSERT INTO v VALUES (1, '2026-01-02 03:04:05.5+02', '2026-03-04', '1 day 02:00:00', '\\x00ff', 0.30000000000000004)`,
      );
      const conn = await postgresEngine.connect(db.url);
      const schema = await conn.describe({ name: 'v' });
      const text = (
        await collect(conn.read(schema, { columns: schema.columns.map((c) => c.name) }))
      ).toString();
      expect(text).toBe(
        '1\t2026-01-02 01:04:05.5+00\t2026-03-04\t1 day 02:00:00\t\\\\x00ff\t0.30000000000000004\n',
      );
      expect(await conn.serverVersion()).toMatch(/^PostgreSQL \d+/);
      await conn.close();
      await conn.close();
    } finally {
      await db.drop();
    }
  });

  it('names the redacted URL and the reason when the connection is refused, never the password', async () => {
    const error = await connectError(await withParts({ password: 'sup3r-s3cret', port: '1' }));
    expect(error.code).toBe('connection');
    expect(error.message).toContain('refused');
    expect(error.message).toContain('127.0.0.1:1');
    expect(error.message).not.toContain('sup3r-s3cret');
  });

  it('says the database does not exist', async () => {
    const error = await connectError(await withParts({ database: 'rowback_no_such_database' }));
    expect(error.code).toBe('connection');
    expect(error.message).toContain('the database "rowback_no_such_database" does not exist');
  });

  it('says the host is unknown', async () => {
    const error = await connectError(await withParts({ host: 'no-such-host.invalid' }));
    expect(error.code).toBe('connection');
    expect(error.message).toContain('unknown');
  });
});
