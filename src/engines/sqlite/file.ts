import { access, open, realpath, stat } from 'node:fs/promises';
import { RowbackError } from '../../core/errors.js';

/** The first 16 bytes of every SQLite 3 database file. */
export const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** True for the first bytes of a SQLite 3 database file. */
export function isSqliteHeader(head: Buffer): boolean {
  return head.length >= SQLITE_HEADER.length && head.subarray(0, SQLITE_HEADER.length).equals(SQLITE_HEADER);
}

/** True for the first bytes of a SQLite write-ahead log (`…-wal`), which is not a database by itself. */
export function isWalHeader(head: Buffer): boolean {
  return head.length >= 4 && (head.readUInt32BE(0) & 0xfffffffe) === 0x377f0682;
}

/** What a file that is not a SQLite database looks like, for messages: "a gzip file", "SQL text". */
export function describeHead(head: Buffer): string {
  if (head.length === 0) return 'an empty file';
  if (isWalHeader(head)) return 'a SQLite write-ahead log (-wal), not a database';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'a gzip file';
  if (head.readUInt32LE(0) === 0xfd2fb528) return 'a zstd file';
  if (head.toString('latin1', 0, 5) === 'PGDMP') return 'a pg_dump archive';
  const text = head.toString('utf8');
  if (/^\s*(--|\/\*|CREATE|INSERT|BEGIN|SET|PRAGMA|DROP|COPY)/i.test(text)) return 'SQL text';
  if (!text.includes('\uFFFD') && !/[\0-\x08\x0e-\x1f]/.test(text)) return 'a text file';
  return 'not a SQLite database';
}

/** A database file: where it is, which file it is, and how it is journaled. */
export interface DatabaseFile {
  path: string;
  realPath: string;
  /** Device and inode: the same file under any name, and a different one once replaced. */
  id: string;
  /** The header says WAL mode (file format versions 2). */
  wal: boolean;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** `-wal` and `-journal` files beside a database: SQLite would use (and a read would change) them. */
export async function sidecars(path: string): Promise<string[]> {
  const found: string[] = [];
  for (const suffix of ['-wal', '-journal']) if (await exists(path + suffix)) found.push(suffix);
  return found;
}

/** Checks that `path` is a SQLite database and says which file it is; RowbackError('connection') if not. */
export async function inspectFile(path: string, location: string): Promise<DatabaseFile> {
  const info = await stat(path).catch(() => undefined);
  if (!info) {
    const orphan = (await sidecars(path)).includes('-wal');
    throw new RowbackError('connection', `There is no SQLite database at ${path}.`, {
      hint: orphan
        ? `${path}-wal is there without its database: a write-ahead log holds only recent pages. Point at the database file itself (copy it with its -wal file).`
        : `Check the path${location.startsWith('sqlite:') ? '' : ' (sqlite:PATH names a database file)'}; rowback does not create databases.`,
    });
  }
  if (!info.isFile()) {
    throw new RowbackError('connection', `${path} is not a file, so not a SQLite database.`);
  }
  const head = Buffer.alloc(100);
  const handle = await open(path, 'r');
  let read: number;
  try {
    read = (await handle.read(head, 0, head.length, 0)).bytesRead;
  } finally {
    await handle.close();
  }
  const bytes = head.subarray(0, read);
  if (!isSqliteHeader(bytes)) {
    throw new RowbackError('connection', `${path} is ${describeHead(bytes)}, not a SQLite database.`, {
      hint: isWalHeader(bytes)
        ? 'Point at the database file beside it (without -wal).'
        : 'Give the path of a SQLite database file (it starts with "SQLite format 3").',
    });
  }
  return {
    path,
    realPath: await realpath(path),
    id: `device ${info.dev}, inode ${info.ino}`,
    wal: bytes[18] === 2 || bytes[19] === 2,
  };
}
