import { mkdtemp, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { tempRoot } from '../../harness/workers.js';

/** A fresh directory with a source and a target database file, both built by `setup`. */
export async function filePair(
  setup: string,
): Promise<{ dir: string; source: string; target: string; stateDir: string }> {
  const dir = await mkdtemp(join(tempRoot(), 'sqlite-'));
  const source = join(dir, 'backup.db');
  const target = join(dir, 'app.db');
  for (const path of [source, target]) run(path, setup);
  return { dir, source, target, stateDir: join(dir, 'state') };
}

/** Runs SQL on a database file with a plain connection of its own. */
export function run(path: string, sql: string): void {
  const db = new Database(path);
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

/**
 * The table's rows as exact text, one line per row in `orderBy` order: each value's storage class and
 * bytes (`integer:42`, `text:61ff00`, `blob:`, `real:` with the IEEE bits in hex, `null`). A real is a
 * double in SQLite and in JavaScript alike, so its bits are read exactly.
 */
export function exactRows(path: string, table: string, orderBy = 'rowid'): string[] {
  const db = new Database(path, { readonly: true });
  try {
    db.defaultSafeIntegers(true);
    const columns = (
      db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]
    ).map((c) => `"${c.name.replaceAll('"', '""')}"`);
    const select = columns.map((c) => `typeof(${c}), CAST(${c} AS BLOB), ${c}`).join(', ');
    const rows = db
      .prepare(`SELECT ${select} FROM "${table.replaceAll('"', '""')}" ORDER BY ${orderBy}`)
      .raw(true)
      .all() as unknown[][];
    return rows.map((row) => {
      const parts: string[] = [];
      for (let i = 0; i < row.length; i += 3) {
        const type = row[i] as string;
        if (type === 'null') parts.push('null');
        else if (type === 'real') {
          const bits = Buffer.alloc(8);
          bits.writeDoubleBE(row[i + 2] as number);
          parts.push(`real:${bits.toString('hex')}`);
        } else parts.push(`${type}:${(row[i + 1] as Buffer).toString('hex')}`);
      }
      return parts.join(' ');
    });
  } finally {
    db.close();
  }
}

/** Files in the directory whose names start with `prefix` (a database and whatever SQLite put beside it). */
export async function filesBeside(dir: string, prefix: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.startsWith(prefix)).sort();
}
