import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { DemoServers } from './servers.js';

/**
 * The SQLite demo's "servers": two database files in a private temp directory, nothing to start. The
 * production file runs in WAL mode, as most applications run SQLite.
 */
export async function makeDemoFiles(): Promise<DemoServers> {
  const dir = await mkdtemp(join(tmpdir(), 'rowback-demo-sqlite-'));
  await chmod(dir, 0o700);
  const stop = () => rm(dir, { recursive: true, force: true });
  try {
    const file = (name: string, wal: boolean) => {
      const path = join(dir, name);
      const db = new Database(path);
      try {
        db.pragma('user_version = 1'); // writes the header: an empty file is no database yet
        if (wal) db.pragma('journal_mode = WAL');
      } finally {
        db.close();
      }
      return { url: path, place: path };
    };
    return { production: file('production.db', true), snapshot: file('snapshot.db', false), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
