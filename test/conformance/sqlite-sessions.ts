import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { cli } from './support.js';

/**
 * What the interference tests need of another session on a SQLite file. SQLite has no server to ask who
 * is connected: a write transaction shows as the file's write lock, which a second connection asks for
 * without waiting. And better-sqlite3 waits for a lock synchronously, holding up its whole process, so a
 * second writer (an application, a second rowback) runs in a process of its own, as it would in practice.
 */

/** True while another connection holds the write lock of the file (an open write transaction). */
export function writeLockHeld(path: string): boolean {
  const db = new Database(path, { timeout: 0 });
  try {
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
    return false;
  } catch (error) {
    if (String((error as { code?: string }).code).startsWith('SQLITE_BUSY')) return true;
    throw error;
  } finally {
    db.close();
  }
}

/** The application: one row inserted (and an odd row bumped) per transaction, each commit reported. */
const WRITER = `
const Database = require('better-sqlite3');
const [path, rows, updates] = process.argv.slice(-3);
const db = new Database(path);
db.pragma('busy_timeout = 60000');
let stop = false;
process.on('SIGTERM', () => { stop = true; });
(async () => {
  for (let i = 1; !stop && 2 * i - 1 <= Number(rows); i++) {
    db.exec('INSERT INTO ledger VALUES (' + (Number(rows) + i) + ', ' + i + ')');
    process.stdout.write('i ' + (Number(rows) + i) + '\\n');
    if (updates === 'true') {
      db.exec('UPDATE ledger SET v = v + 1000 WHERE id = ' + (2 * i - 1));
      process.stdout.write('u ' + (2 * i - 1) + '\\n');
    }
    // a moment between transactions, as an application has: SQLite's lock is not queued, and a writer
    // that never lets go would starve every other one (rowback included) until its busy timeout
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  db.close();
})();`;

export interface Writer {
  /** Resolves once the first write is committed. */
  started: Promise<void>;
  /** Stops after the write in progress; the keys inserted and the odd keys bumped (with how often). */
  stop(): Promise<{ inserted: number[]; bumped: Map<number, number> }>;
}

/** Starts the application writing into `ledger` of the file, in a process of its own. */
export function startWriter(path: string, rows: number, updates: boolean): Writer {
  const child = spawn(process.execPath, ['-e', WRITER, path, String(rows), String(updates)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let first: () => void = () => {};
  const started = new Promise<void>((resolve, reject) => {
    first = resolve;
    child.once('exit', () => reject(new Error(`the writer stopped before writing: ${err}`)));
  });
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    first();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    started,
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) throw new Error(`the writer failed (${code}): ${err}`);
      const inserted: number[] = [];
      const bumped = new Map<number, number>();
      for (const line of out.split('\n')) {
        const [kind, id] = line.split(' ');
        if (kind === 'i') inserted.push(Number(id));
        if (kind === 'u') bumped.set(Number(id), (bumped.get(Number(id)) ?? 0) + 1);
      }
      return { inserted, bumped };
    },
  };
}

/** Two CLI restores of the same table at once, each in its own process. */
export function twoRestores(args: string[], stateDirs: [string, string]) {
  return Promise.all(stateDirs.map((dir) => cli([...args, '--yes', '--json', '--state-dir', dir])));
}
