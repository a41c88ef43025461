import { execFile } from 'node:child_process';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BINLOG_SETTINGS, startMariaDb } from '../../../src/servers/mariadb.js';
import type { RunningServer } from '../../../src/servers/server.js';
import { connectClient } from '../../harness/clients.js';
import { type SqlClient, tempDir } from '../../harness/index.js';

const exec = promisify(execFile);

/**
 * The story on a self-hosted MariaDB: binary logging on (ROW), a mariadb-backup, writes after it across
 * a binlog rotation, the moment as-of, an accident (150 of 220 rows deleted), later writes.
 */
export interface MariaStory {
  server: RunningServer;
  db: SqlClient;
  /** The unprepared backup (as `mariadb-backup --backup` leaves it). */
  backup: string;
  /** Where the server keeps its binlogs (its data directory). */
  binlogDir: string;
  asOf: string;
  atAsOf: string[];
  atBackup: string[];
  url(database: string): string;
  createDatabase(name: string): Promise<SqlClient>;
  /** A copy of the backup, prepared (`mariadb-backup --prepare`). */
  preparedCopy(): Promise<string>;
  stop(): Promise<void>;
}

const TABLE = `(id int PRIMARY KEY, account int NOT NULL, amount decimal(12,2), note text, data varbinary(16), at datetime(6))`;

export async function playMariaStory(): Promise<MariaStory> {
  const server = await startMariaDb({ settings: { ...BINLOG_SETTINGS } });
  const url = (database: string) => `${server.url.replace(/\/$/, '')}/${database}`;
  const admin = await connectClient('mysql', server.url);
  await admin.exec('CREATE DATABASE app');
  await admin.close();
  const db = await connectClient('mysql', url('app'));
  await db.exec(`CREATE TABLE billing ${TABLE}`);
  await db.exec(
    `INSERT INTO billing SELECT seq, seq % 7, seq * 1.25, CONCAT('row ', seq), UNHEX(LPAD(HEX(seq), 4, '0')),
       '2026-11-24 09:00:00.123456' + INTERVAL seq MINUTE FROM seq_1_to_200`,
  );
  const atBackup = await rows(db);
  const backup = join(await tempDir(), 'backup');
  await exec('mariadb-backup', [
    '--no-defaults',
    '--backup',
    `--target-dir=${backup}`,
    '--user=root',
    '--protocol=TCP',
    '--host=127.0.0.1',
    `--port=${server.port}`,
    `--datadir=${server.dataDir}`,
  ]);
  await db.exec(`UPDATE billing SET note = 'edited after the backup', amount = 0.01 WHERE id <= 10`);
  await db.exec('FLUSH BINARY LOGS');
  await db.exec(
    `INSERT INTO billing SELECT seq, 9, seq, CONCAT('after the backup ', seq), x'00ff0a5c27', NULL FROM seq_201_to_220`,
  );
  await db.exec('FLUSH BINARY LOGS');
  await db.exec(
    `UPDATE billing SET note = 'tab\\there, quote '' and \\\\ backslash', data = x'00' WHERE id = 11`,
  );
  const atAsOf = await rows(db);
  // Binlog events carry whole seconds: as-of is the start of the next second, the accident after it.
  const [[now]] = (await db.query('SELECT UNIX_TIMESTAMP(NOW(6))')) as [[string]];
  const next = (Math.floor(Number(now)) + 1) * 1000;
  await new Promise((resolve) => setTimeout(resolve, next - Number(now) * 1000 + 50));
  const asOf = `${new Date(next).toISOString().slice(0, 19).replace('T', ' ')}+00`;
  await db.exec('DELETE FROM billing WHERE id <= 150');
  await db.exec(`INSERT INTO billing SELECT seq, 1, seq, 'written since', NULL, NULL FROM seq_221_to_230`);
  await db.exec(`UPDATE billing SET note = 'changed since' WHERE id = 160`);
  return {
    server,
    db,
    backup,
    binlogDir: server.dataDir,
    asOf,
    atAsOf,
    atBackup,
    url,
    async createDatabase(name) {
      const root = await connectClient('mysql', server.url);
      await root.exec(`CREATE DATABASE \`${name}\``);
      await root.close();
      const client = await connectClient('mysql', url(name));
      await client.exec(`CREATE TABLE billing ${TABLE}`);
      return client;
    },
    async preparedCopy() {
      const copy = join(await tempDir(), 'prepared');
      await cp(backup, copy, { recursive: true });
      await exec('mariadb-backup', ['--no-defaults', '--prepare', `--target-dir=${copy}`]);
      return copy;
    },
    async stop() {
      await db.close();
      await server.stop();
    },
  };
}

/** billing as lines of text in key order (binary as hex, values as the server's text). */
export async function rows(client: SqlClient, table = 'billing'): Promise<string[]> {
  const result = await client.query(`SELECT * FROM ${table} ORDER BY id`);
  return result.map((row) => row.map((value) => (value === null ? '\\N' : value)).join('\t'));
}
