import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { formatTable } from '../../core/table.js';
import { CopyLines } from './copy-lines.js';
import { CustomBlocks } from './custom-blocks.js';
import { decompress, sniff } from './decompress.js';
import { counting, DumpError, NoTableData, truncated } from './errors.js';
import { type Content, firstBytes, readFileChunks } from './input.js';
import { readNameList } from './names.js';
import { type Archive, NeedMore, readArchive, type TocEntry } from './pg-archive.js';
import { clientEncoding } from './pg-plain.js';
import { type DumpReader, drive, type Look } from './reader.js';
import { RowBuilder } from './row-builder.js';
import type { WantedTable } from './table-data.js';
import { TarMembers } from './tar.js';

type Layout = 'custom' | 'tar' | 'directory';

/**
 * A pg_dump archive read natively, without pg_restore: custom (`-Fc`), tar (`-Ft`) or directory (`-Fd`).
 * The TOC says where the wanted table's data is: a block at a known offset (custom written to a file), a
 * block found by walking from the end of the TOC (custom written to a pipe), a tar member, or a file of
 * the directory. Its payload is the table's COPY text, compressed as the header says.
 */
export async function archiveReader(
  layout: Layout,
  path: string,
  content: Content | undefined,
  size: number,
): Promise<DumpReader> {
  const archive = await readToc(layout, path, content);
  const compression = archive.header.compression;
  const wrap = content?.wrapper ? `, ${content.wrapper}` : '';
  return {
    engine: 'postgres',
    format: `pg_dump ${layout} archive ${archive.header.version} (${compression === 'gzip' ? 'zlib' : compression}${wrap})`,
    size,
    async bytes(wanted) {
      const entry = entryFor(archive, wanted, 'TABLE DATA');
      if (!entry) return 0;
      if (layout === 'directory') return (await directoryData(path, entry))?.size ?? 0;
      if (layout === 'custom' && !content?.wrapper) return blockLength(archive, entry, size);
      return size;
    },
    async look(wanted): Promise<Look> {
      const table = entryFor(archive, wanted, 'TABLE');
      const data = entryFor(archive, wanted, 'TABLE DATA');
      const setting = archive.entries.find((e) => e.desc === 'ENCODING')?.defn;
      const encoding = setting === undefined ? undefined : clientEncoding(setting);
      return {
        tables: archive.entries
          .filter((e) => e.desc === 'TABLE')
          .map((e) => (e.namespace ? { schema: e.namespace, name: e.tag } : { name: e.tag })),
        create: table?.defn ? Buffer.from(table.defn, 'utf8').toString('latin1') : undefined,
        dataColumns: data ? copyColumns(data.copyStmt) : undefined,
        found: table !== undefined || data !== undefined,
        notes: encoding ? { encoding } : {},
      };
    },
    rows(wanted, shape, onBytes) {
      const entry = entryFor(archive, wanted, 'TABLE DATA');
      // No TABLE DATA entry: a schema-only archive, or --exclude-table-data. Never an empty table.
      if (!entry) return noData(wanted);
      const s = shape(copyColumns(entry.copyStmt), 0);
      const emitted: Buffer[] = [];
      const lines = new CopyLines(new RowBuilder(s.fields, s.order, (c) => emitted.push(c)), true);
      const payload = compressedPayload(layout, path, content, archive, entry, size, onBytes);
      const what = `the data of ${entry.namespace}.${entry.tag}`;
      const kind = codec(compression, layout);
      const text = decompress(payload, kind, what);
      // The COPY text's offsets count from the start of the table's data, not the file's.
      const within = kind === 'text' ? what : `${what}, uncompressed`;
      return drive(text, copyParser(lines, within), emitted);
    },
  };
}

/** A stream that fails when read: the refusal reaches the reader of the rows, as a read error would. */
function noData(wanted: WantedTable): AsyncIterable<Buffer> {
  const error = new NoTableData(formatTable(wanted), 'pg_dump --schema-only or --exclude-table-data');
  return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(error) }) };
}

function codec(compression: string, layout: Layout): 'zlib' | 'zstd' | 'lz4' | 'text' {
  if (layout === 'directory') return 'text'; // each data file says for itself
  if (compression === 'gzip') return 'zlib';
  return compression === 'none' ? 'text' : (compression as 'zstd' | 'lz4');
}

/** The TOC entry of `desc` for the wanted table: schema and name both match (pg_restore -t matches any schema). */
function entryFor(archive: Archive, wanted: WantedTable, desc: string): TocEntry | undefined {
  return archive.entries.find(
    (e) =>
      e.desc === desc &&
      e.tag === wanted.name &&
      (wanted.schema === undefined || e.namespace === wanted.schema),
  );
}

function copyColumns(copyStmt: string): string[] | undefined {
  const latin1 = Buffer.from(copyStmt, 'utf8').toString('latin1');
  const at = latin1.indexOf('(');
  return at === -1 ? undefined : readNameList(latin1, at, '"')?.names;
}

/** A CopyLines fed chunks of a payload, keeping a partial last line for the next chunk. */
function copyParser(lines: CopyLines, within: string) {
  let pending: Buffer = Buffer.alloc(0);
  let base = 0;
  return {
    get done() {
      return lines.ended;
    },
    push(chunk: Buffer) {
      const buf = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let next: number;
      try {
        next = lines.step(buf, 0, base);
      } catch (error) {
        counting(error, within);
      }
      const at = next < 0 ? buf.length + next + 1 : next;
      lines.builder?.flush();
      base += at;
      pending = buf.subarray(at);
    },
    end() {
      if (!lines.ended) {
        counting(truncated(base + pending.length, 'the end of the table data (a line "\\.")'), within);
      }
    },
  };
}

async function readToc(layout: Layout, path: string, content: Content | undefined): Promise<Archive> {
  if (layout === 'directory') {
    const toc = join(path, 'toc.dat');
    const bytes = await collect(readFileChunks(toc));
    return readArchive(bytes, true);
  }
  if (layout === 'tar') return tarToc(content!);
  let bytes: Buffer = Buffer.alloc(0);
  for await (const chunk of content!.chunks()) {
    bytes = Buffer.concat([bytes, chunk]);
    try {
      return readArchive(bytes, false);
    } catch (error) {
      if (!(error instanceof NeedMore)) throw error;
    }
  }
  return readArchive(bytes, true);
}

async function tarToc(content: Content): Promise<Archive> {
  const parts: Buffer[] = [];
  let found = false;
  const tar = new TarMembers(
    (name) => (name === 'toc.dat' ? (data: Buffer) => parts.push(Buffer.from(data)) : undefined),
    (name) => (found = name === 'toc.dat'),
  );
  for await (const _ of drive(content.chunks(), tar, [])) {
    // collecting toc.dat
  }
  if (!found) throw new DumpError(0, 'a tar archive written by pg_dump (a toc.dat member)', 'no toc.dat');
  return readArchive(Buffer.concat(parts), true);
}

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk);
  return Buffer.concat(parts);
}

/** The wanted entry's data bytes as stored (compressed, for custom and directory archives). */
async function* compressedPayload(
  layout: Layout,
  path: string,
  content: Content | undefined,
  archive: Archive,
  entry: TocEntry,
  fileSize: number,
  onBytes?: (bytes: number) => void,
): AsyncIterable<Buffer> {
  if (layout === 'directory') {
    yield* directoryFile(path, entry, onBytes);
    return;
  }
  const out: Buffer[] = [];
  if (layout === 'tar') {
    const tar = new TarMembers(
      (name) => (name === entry.filename ? (data: Buffer) => out.push(data) : undefined),
      (name) => name === entry.filename,
    );
    yield* drive(content!.chunks(onBytes), tar, out);
    return;
  }
  if (entry.offset?.state === 'no-data') return;
  const seek = entry.offset?.state === 'set' && !content?.wrapper;
  const start = seek ? entry.offset!.position : archive.end;
  const blocks = new CustomBlocks(
    entry.dumpId,
    archive.header.intSize,
    (bytes) => out.push(bytes),
    start,
    seek,
  );
  const input = seek
    ? readFileChunks(path, start, onBytes, start + blockLength(archive, entry, fileSize))
    : skip(content!.chunks(onBytes), archive.end);
  yield* drive(input, blocks, out);
}

/** The stream without its first `n` bytes. */
async function* skip(stream: AsyncIterable<Buffer>, n: number): AsyncIterable<Buffer> {
  let left = n;
  for await (const chunk of stream) {
    if (left >= chunk.length) {
      left -= chunk.length;
      continue;
    }
    yield left ? chunk.subarray(left) : chunk;
    left = 0;
  }
}

/**
 * The bytes of a custom archive's data block at a known offset: up to the next block's offset, or to the
 * end of the file for the last one. A dump written to a pipe has no offsets: the blocks are walked from
 * the start of the file, so the file is the measure.
 */
function blockLength(archive: Archive, entry: TocEntry, fileSize: number): number {
  if (entry.offset?.state !== 'set') return fileSize;
  const start = entry.offset.position;
  let end = fileSize;
  for (const e of archive.entries) {
    const at = e.offset?.state === 'set' ? e.offset.position : undefined;
    if (at !== undefined && at > start && at < end) end = at;
  }
  return end - start;
}

/** A directory archive's data file (`3359.dat`, or compressed `.gz` / `.zst` / `.lz4`) and its size. */
async function directoryData(
  path: string,
  entry: TocEntry,
): Promise<{ file: string; size: number } | undefined> {
  const base = join(path, entry.filename ?? `${entry.dumpId}.dat`);
  for (const file of ['', '.gz', '.zst', '.lz4'].map((ext) => base + ext)) {
    const info = await stat(file).catch(() => undefined);
    if (info?.isFile()) return { file, size: info.size };
  }
  return undefined;
}

async function* directoryFile(
  path: string,
  entry: TocEntry,
  onBytes?: (bytes: number) => void,
): AsyncIterable<Buffer> {
  const file = (await directoryData(path, entry))?.file;
  if (!file)
    throw new DumpError(
      0,
      `the data file ${entry.filename} of ${entry.namespace}.${entry.tag}`,
      'no such file',
    );
  const kind = sniff(await firstBytes(file, 16));
  yield* decompress(readFileChunks(file, 0, onBytes), kind, file);
}
