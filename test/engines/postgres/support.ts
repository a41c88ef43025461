export { collect, memoryUndo, streamOf } from '../memory-undo.js';

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { serverUrl as harnessServerUrl, SAKILA_DIR } from '../../harness/index.js';
import { collect } from '../memory-undo.js';

/**
 * A superuser URL of the harness's PostgreSQL source or target server (they differ in every session
 * setting that changes value text, so a test using both checks the engine pins its sessions).
 */
export function serverUrl(side: 'source' | 'target' = 'target'): Promise<string> {
  return harnessServerUrl('postgres', side);
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

const RAW = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

/** A plain client returning server text, for setting up and checking tables. */
export async function sqlClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, types: RAW });
  await client.connect();
  await client.query(
    `SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = postgres; SET extra_float_digits = 3; SET bytea_output = hex; SET lc_monetary = 'C'`,
  );
  return client;
}

export interface ScratchDb {
  url: string;
  client: pg.Client;
  drop(): Promise<void>;
}

/** A fresh database on the source or target test server, dropped by `drop()`. */
export async function scratchDb(side: 'source' | 'target' = 'target'): Promise<ScratchDb> {
  const admin = await serverUrl(side);
  const name = `rowback_pg_${randomBytes(5).toString('hex')}`;
  const root = await sqlClient(admin);
  await root.query(`CREATE DATABASE ${name}`);
  await root.end();
  const url = withDatabase(admin, name);
  const client = await sqlClient(url);
  return {
    url,
    client,
    async drop() {
      await client.end().catch(() => {});
      const r = await sqlClient(admin);
      await r.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await r.end();
    },
  };
}

/** A table's rows as COPY text, in the given order: compares every column byte for byte. */
export async function tableText(client: pg.Client, select: string): Promise<string> {
  return (await collect(client.query(copyTo(`COPY (${select}) TO STDOUT`)))).toString('utf8');
}

/**
 * Loads the Sakila schema and data as psql would: SQL runs as is, each `COPY … FROM stdin;` block streams
 * its lines up to `\.` through COPY.
 */
export async function loadSakila(client: pg.Client): Promise<void> {
  await client.query(await readFile(join(SAKILA_DIR, 'postgres-sakila-schema.sql'), 'utf8'));
  const data = await readFile(join(SAKILA_DIR, 'postgres-sakila-insert-data-using-copy.sql'), 'utf8');
  const lines = data.split('\n');
  let sql: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^COPY .* FROM stdin;$/.test(line)) {
      if (sql.join('').trim()) await client.query(sql.join('\n'));
      sql = [];
      const end = lines.indexOf('\\.', i + 1);
      const body = lines.slice(i + 1, end).map((l) => `${l}\n`);
      await pipeline(
        Readable.from(body.map((l) => Buffer.from(l))),
        client.query(copyFrom(line.replace(/;$/, ''))),
      );
      i = end;
    } else {
      sql.push(line);
    }
  }
  if (sql.join('').trim()) await client.query(sql.join('\n'));
}
