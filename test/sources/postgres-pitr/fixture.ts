import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chown, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { serviceUser } from '../../../src/servers/os-user.js';
import { startPostgres } from '../../../src/servers/postgres.js';
import type { RunningServer } from '../../../src/servers/server.js';
import { connectClient } from '../../harness/clients.js';
import { type SqlClient, tempDir } from '../../harness/index.js';

const exec = promisify(execFile);

/**
 * A PostgreSQL server with WAL archiving on (archive_command copies into a directory), started for the
 * point-in-time tests: what production looks like when its backups are set up as the manual says.
 */
export interface ArchivingServer {
  server: RunningServer;
  archiveDir: string;
  admin: SqlClient;
  /** The URL of a database on it. */
  url(database: string): string;
  /** Creates a database and returns a client connected to it. */
  createDatabase(name: string): Promise<SqlClient>;
  /** `pg_basebackup -Fp -X stream` into a new directory; returns it. */
  baseBackup(): Promise<string>;
  /** Ends the current WAL segment and waits until the archive has it. */
  switchWal(): Promise<void>;
  stop(): Promise<void>;
}

export async function startArchivingServer(): Promise<ArchivingServer> {
  const archiveDir = await mkdtemp(join(tmpdir(), 'rowback-test-archive-'));
  const user = await serviceUser('postgres', 'PostgreSQL');
  if (user) await chown(archiveDir, user.uid, user.gid);
  const server = await startPostgres({
    settings: {
      wal_level: 'replica',
      archive_mode: 'on',
      archive_command: `test ! -f '${archiveDir}/%f' && cp '%p' '${archiveDir}/%f'`,
      // The harness turns these off for speed; a production-like server keeps them.
      fsync: 'on',
      full_page_writes: 'on',
    },
  });
  const admin = await connectClient('postgres', server.url);
  const url = (database: string) => {
    const parsed = new URL(server.url);
    parsed.pathname = `/${database}`;
    return parsed.toString();
  };
  return {
    server,
    archiveDir,
    admin,
    url,
    async createDatabase(name) {
      await admin.exec(`CREATE DATABASE "${name}"`);
      return connectClient('postgres', url(name));
    },
    async baseBackup() {
      const dir = join(await tempDir(), 'base');
      const port = String(server.port);
      await exec(join(server.binDir ?? '', 'pg_basebackup'), [
        '-h',
        '127.0.0.1',
        '-p',
        port,
        '-U',
        'postgres',
        '-D',
        dir,
        '-Fp',
        '-X',
        'stream',
        '-c',
        'fast',
      ]);
      return dir;
    },
    async switchWal() {
      const [[segment]] = (await admin.query('SELECT pg_walfile_name(pg_switch_wal())')) as [[string]];
      for (let i = 0; i < 200; i++) {
        const [[last]] = (await admin.query(
          "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver",
        )) as [[string]];
        if (last >= segment) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`segment ${segment} was not archived within 10 s`);
    },
    async stop() {
      await admin.close();
      await server.stop();
      await rm(archiveDir, { recursive: true, force: true });
    },
  };
}

/** Every file under `dir` with its size, mode and content hash: to prove a backup or archive untouched. */
export async function fingerprint(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (path: string, relative: string): Promise<void> => {
    const info = await stat(path);
    if (info.isDirectory()) {
      out.push(`${relative}/ ${info.mode.toString(8)}`);
      for (const name of (await readdir(path)).sort()) await walk(join(path, name), `${relative}/${name}`);
      return;
    }
    const hash = createHash('sha256')
      .update(await readFile(path))
      .digest('hex')
      .slice(0, 16);
    out.push(`${relative} ${info.size} ${info.mode.toString(8)} ${info.mtimeMs} ${hash}`);
  };
  await walk(dir, '');
  return out;
}

/** The moment now, on the server's clock, as text with a zone (what a user would copy from a log). */
export async function serverNow(client: SqlClient): Promise<string> {
  const [[now]] = (await client.query(
    `SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'`,
  )) as [[string]];
  return now;
}

/** A table's rows as lines of text, in key order (values as the server's text, pinned session). */
export async function rows(client: SqlClient, table: string, key = 'id'): Promise<string[]> {
  const result = await client.query(`SELECT * FROM ${table} ORDER BY ${key}`);
  return result.map((row) => row.map((value) => (value === null ? '\\N' : value)).join('\t'));
}

/** The story, played on an archiving server: what the tests recover. */
export interface Story {
  pg: ArchivingServer;
  db: SqlClient;
  backup: string;
  /** The moment before the accident, with a zone. */
  asOf: string;
  /** The table as it was at as-of, captured then. */
  atAsOf: string[];
  /** The table as the base backup holds it. */
  atBackup: string[];
  stop(): Promise<void>;
}

/**
 * WAL archiving on, a base backup, writes after it, the moment as-of, an accident (150 of 220 rows
 * deleted), later writes (10 inserts, one update); every segment archived.
 */
export async function playStory(): Promise<Story> {
  const pg = await startArchivingServer();
  const db = await pg.createDatabase('app');
  await db.exec(`CREATE TABLE billing (id int PRIMARY KEY, account int NOT NULL, amount numeric(12,2),
                   note text, at timestamptz);
                 INSERT INTO billing SELECT g, g % 7, g * 1.25, 'row ' || g,
                   '2026-11-24 09:00:00+00'::timestamptz + g * interval '1 min' FROM generate_series(1, 200) g;`);
  const atBackup = await rows(db, 'billing');
  const backup = await pg.baseBackup();
  // Written after the backup: only WAL replay brings these back.
  await db.exec(`UPDATE billing SET note = 'edited after the backup', amount = 0.01 WHERE id <= 10;
                 INSERT INTO billing SELECT g, 9, g, 'after the backup ' || g, NULL FROM generate_series(201, 220) g;`);
  await pg.switchWal();
  await db.exec(`UPDATE billing SET note = E'tab\\there, quote '' and \\\\ backslash' WHERE id = 11`);
  const atAsOf = await rows(db, 'billing');
  const asOf = await serverNow(db);
  await new Promise((resolve) => setTimeout(resolve, 20));
  await db.exec('DELETE FROM billing WHERE id <= 150');
  await db.exec(`INSERT INTO billing SELECT g, 1, g, 'written since', NULL FROM generate_series(221, 230) g;
                 UPDATE billing SET note = 'changed since' WHERE id = 160;`);
  await pg.switchWal();
  return {
    pg,
    db,
    backup,
    asOf,
    atAsOf,
    atBackup,
    async stop() {
      await db.close();
      await pg.stop();
    },
  };
}

/** A scratch database on the story's server holding an empty billing table (a drill's target). */
export async function scratchBilling(story: Story, name: string): Promise<SqlClient> {
  const client = await story.pg.createDatabase(name);
  await client.exec(`CREATE TABLE billing (id int PRIMARY KEY, account int NOT NULL, amount numeric(12,2),
                       note text, at timestamptz)`);
  return client;
}
