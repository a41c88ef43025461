import { access } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { startMariaDb } from '../../src/servers/mariadb.js';

async function query(url: string, sql: string, password?: string): Promise<unknown[]> {
  const parsed = new URL(url);
  const connection = await mysql.createConnection({
    host: parsed.hostname,
    port: Number(parsed.port),
    user: parsed.username,
    password,
    rowsAsArray: true,
    dateStrings: true,
  });
  try {
    const [rows] = await connection.query(sql);
    return rows as unknown[];
  } finally {
    await connection.end();
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe('startMariaDb', () => {
  it('starts a server with real grant tables, the given settings, and stop() removes it', async () => {
    const server = await startMariaDb({
      settings: { 'default-time-zone': '+07:00', 'max-connections': '77' },
    });
    try {
      expect(server.url).toBe(`mysql://root@127.0.0.1:${server.port}/`);
      expect(
        await query(server.url, 'SELECT @@time_zone, @@max_connections, @@local_infile, @@log_bin'),
      ).toEqual([['+07:00', 77, 1, 0]]);
      expect(
        await query(server.url, 'SELECT @@innodb_buffer_pool_size, @@innodb_flush_log_at_trx_commit'),
      ).toEqual([[67108864, 2]]);
      await expect(query(server.url, 'SELECT 1', 'wrong-password')).rejects.toThrow(
        /Access denied for user 'root'/,
      );
      expect(await exists(join(server.dataDir, 'mysql'))).toBe(true);
    } finally {
      await server.stop();
    }
    expect(await exists(dirname(server.dataDir))).toBe(false);
    await expect(query(server.url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/);
    await server.stop(); // a second stop is harmless
  });
});
