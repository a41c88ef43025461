import { DumpError, describeBytes, truncated } from './errors.js';

/**
 * The header and table of contents of a pg_dump archive (custom `-Fc`; directory `-Fd` keeps the same in
 * `toc.dat`; tar `-Ft` as its first member), read from bytes. Versions 1.12 (PostgreSQL 9.x) to 1.16
 * (PostgreSQL 17 and later): 1.14 added the table access method, 1.15 made the compression field one byte
 * naming the algorithm, 1.16 added each entry's relkind.
 */

export type Compression = 'none' | 'gzip' | 'lz4' | 'zstd';

export interface ArchiveHeader {
  /** e.g. `1.14.0`. */
  version: string;
  /** 1 custom, 3 tar (also written by directory archives), 5 directory. */
  format: number;
  compression: Compression;
  database: string | null;
  serverVersion: string | null;
  dumpVersion: string | null;
  /** Bytes of an int's magnitude (after its sign byte). */
  intSize: number;
}

export interface TocEntry {
  dumpId: number;
  tag: string;
  desc: string;
  defn: string;
  copyStmt: string;
  namespace: string;
  /** Custom format: where the entry's data block starts, when the archive was written to a seekable file. */
  offset: { state: 'not-set' | 'set' | 'no-data'; position: number } | undefined;
  /** Tar and directory formats: the member or file holding the entry's data (`3359.dat`). */
  filename: string | undefined;
}

export interface Archive {
  header: ArchiveHeader;
  entries: TocEntry[];
  /** Where the TOC ends (custom format: the data blocks follow). */
  end: number;
}

/** Thrown when the bytes end inside the header or TOC: read more of the file and try again. */
export class NeedMore extends Error {}

const MIN = [1, 12];
const MAX = [1, 16];

export const ARCHIVE_MAGIC = Buffer.from('PGDMP', 'latin1');

/** Reads the header and TOC from the start of an archive. */
export function readArchive(bytes: Buffer, complete: boolean): Archive {
  const r = new Reader(bytes, complete);
  if (!bytes.subarray(0, 5).equals(ARCHIVE_MAGIC)) {
    throw new DumpError(0, 'a pg_dump archive ("PGDMP")', describeBytes(bytes.subarray(0, 5)));
  }
  r.pos = 5;
  const major = r.byte();
  const minor = r.byte();
  const revision = r.byte();
  const version = `${major}.${minor}.${revision}`;
  const v = (a: number, b: number) => major > a || (major === a && minor >= b);
  if (!v(MIN[0]!, MIN[1]!))
    throw new DumpError(5, 'an archive of version 1.12 or later', `version ${version}`);
  if (major > MAX[0]! || (major === MAX[0]! && minor > MAX[1]!)) throw new NewerArchive(version);
  r.intSize = r.byte();
  r.offSize = r.byte();
  if (r.intSize < 1 || r.intSize > 8 || r.offSize < 1 || r.offSize > 8) {
    throw new DumpError(8, 'integer sizes between 1 and 8', `${r.intSize} and ${r.offSize}`);
  }
  const format = r.byte();
  let compression: Compression;
  if (v(1, 15)) {
    const algorithm = r.byte();
    const names: Compression[] = ['none', 'gzip', 'lz4', 'zstd'];
    if (algorithm >= names.length)
      throw new DumpError(r.pos - 1, 'a compression algorithm (0-3)', `${algorithm}`);
    compression = names[algorithm]!;
  } else {
    compression = r.int() === 0 ? 'none' : 'gzip';
  }
  for (let k = 0; k < 7; k++) r.int(); // the dump's time: sec, min, hour, day, month, year, isdst
  const header: ArchiveHeader = {
    version,
    format,
    compression,
    database: r.str(),
    serverVersion: r.str(),
    dumpVersion: r.str(),
    intSize: r.intSize,
  };
  const count = r.int();
  if (count < 0 || count > 10_000_000) throw new DumpError(r.pos, 'a count of TOC entries', `${count}`);
  const entries: TocEntry[] = [];
  for (let k = 0; k < count; k++) entries.push(readEntry(r, v, format));
  return { header, entries, end: r.pos };
}

function readEntry(r: Reader, v: (a: number, b: number) => boolean, format: number): TocEntry {
  const dumpId = r.int();
  r.int(); // hadDumper
  r.str(); // tableoid
  r.str(); // oid
  const tag = r.str() ?? '';
  const desc = r.str() ?? '';
  r.int(); // section
  const defn = r.str() ?? '';
  r.str(); // dropStmt
  const copyStmt = r.str() ?? '';
  const namespace = r.str() ?? '';
  r.str(); // tablespace
  if (v(1, 14)) r.str(); // tableam
  if (v(1, 16)) r.int(); // relkind
  r.str(); // owner
  r.str(); // "false": the old WITH OIDS flag
  while (r.str() !== null); // dependencies, ended by a NULL string
  if (format === 1) {
    const flag = r.byte();
    const position = r.offset();
    const state = flag === 1 ? 'not-set' : flag === 2 ? 'set' : flag === 3 ? 'no-data' : undefined;
    if (!state) throw new DumpError(r.pos - r.offSize - 1, 'a data offset flag (1-3)', `${flag}`);
    return { dumpId, tag, desc, defn, copyStmt, namespace, offset: { state, position }, filename: undefined };
  }
  const filename = r.str() ?? undefined;
  return { dumpId, tag, desc, defn, copyStmt, namespace, offset: undefined, filename };
}

/** The archive is newer than this reader knows. */
export class NewerArchive extends Error {
  constructor(readonly version: string) {
    super(`archive version ${version}`);
  }
}

/** pg_dump's primitive encodings: a sign byte then a little-endian magnitude; strings are an int length then bytes. */
class Reader {
  pos = 0;
  intSize = 4;
  offSize = 8;

  constructor(
    private readonly bytes: Buffer,
    private readonly complete: boolean,
  ) {}

  private need(n: number): void {
    if (this.pos + n <= this.bytes.length) return;
    if (this.complete)
      throw truncated(this.bytes.length, 'the rest of the archive header and table of contents');
    throw new NeedMore();
  }

  byte(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }

  int(): number {
    this.need(1 + this.intSize);
    const sign = this.bytes[this.pos++]!;
    let value = 0;
    for (let k = 0; k < this.intSize; k++) value += this.bytes[this.pos++]! * 2 ** (8 * k);
    return sign ? -value : value;
  }

  offset(): number {
    this.need(this.offSize);
    let value = 0;
    for (let k = 0; k < this.offSize; k++) value += this.bytes[this.pos++]! * 2 ** (8 * k);
    return value;
  }

  str(): string | null {
    const at = this.pos;
    const length = this.int();
    if (length < 0) return null;
    if (length > 1 << 30) throw new DumpError(at, 'a string length', `${length}`);
    this.need(length);
    const text = this.bytes.toString('utf8', this.pos, this.pos + length);
    this.pos += length;
    return text;
  }
}
