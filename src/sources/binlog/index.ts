import { createReadStream, statSync } from 'node:fs';
import { RowbackError } from '../../core/errors.js';
import { redactUrl, registerUrlSecrets } from '../../core/redact.js';
import type { OpenSourceOptions, Source, SourceReadOptions, SourceSize } from '../../core/source.js';
import { type TableRef, type TableSchema, writableColumns } from '../../core/table.js';
import type { Connection, RowStream } from '../../engines/engine.js';

/** What the source needs of a session on the server: today's table. */
type Describer = Pick<Connection, 'describe' | 'cancel' | 'close'>;

import { mysqlEngine } from '../../engines/mysql/index.js';
import { type AsOfImage, buildAsOf, type HistoryFile, KEY_BUDGET } from './as-of.js';
import type { AsOfSpec } from './as-of-spec.js';
import { AsOfStream } from './as-of-stream.js';
import { accidentImages } from './backout.js';
import { type BackoutRange, parseBackout, pastEnd } from './backout-spec.js';
import { checkHistory } from './checks.js';
import { columnDefaults } from './defaults.js';
import { GrowingFile } from './growing-file.js';
import { readTableHistory, type TableHistory } from './read.js';
import { SpillDir } from './spill.js';

/**
 * The binlog source: a MySQL or MariaDB table as of a moment, rebuilt from the server's binary log for the
 * keys the log saw change since (coverage `keys`). `binlog` reads the target's own binlog; `binlog:URL`
 * another server's (a replica of the target). The moment is `--as-of`, `--as-of-position FILE:POS` or
 * `--as-of-gtid GTID`. Rows are spilled to a private temp dir, removed when the source closes.
 */
export async function openBinlogSource(from: string, options: OpenSourceOptions): Promise<Source> {
  const url = serverUrl(from, options);
  registerUrlSecrets(url);
  if (options.targetEngine !== 'mysql') {
    throw new RowbackError(
      'unsupported',
      `--from ${from} reads a MySQL or MariaDB binlog; the target is ${options.targetEngine}.`,
      {
        hint: 'The binlog source rewinds MySQL and MariaDB tables only.',
      },
    );
  }
  const range = options.flags?.backout === undefined ? undefined : backoutRange(options);
  const spec = range ? range.from : asOfSpec(options);
  const label = `binlog of ${redactUrl(url)}`;
  const connection: Describer = await mysqlEngine.connect(url, {
    profile: options.profile,
    applicationName: 'rowback (binlog)',
  });
  const dir = await SpillDir.create();
  const warnings: string[] = [];
  const abort = new AbortController();
  let image: AsOfImage | undefined;
  let file: HistoryFile | undefined;
  /** The read running on after describe, and the as-of rows it writes as it goes. */
  let reading: Promise<void> | undefined;
  let growing: GrowingFile | undefined;
  let readColumns: string[] = [];
  const source: Source = {
    label,
    engine: 'mysql',
    coverage: 'keys',
    warnings,
    async describe(table: TableRef, key: string[]): Promise<TableSchema> {
      const schema = await describeToday(connection, table, key);
      readColumns = writableColumns(schema).map((c) => c.name);
      const mapped = new Set<string>();
      const defaults = await columnDefaults(url, options.profile, schema);
      const read = (stream: AsOfStream | undefined, onStarted?: () => void) =>
        readTableHistory({
          url,
          table: schema.ref,
          asOf: spec,
          wanted: {
            table: schema,
            columns: readColumns,
            key,
            defaults,
            onMapped: (note) => mapped.add(note),
          },
          dir,
          ...(range ? { stopAfter: (settled) => pastEnd(settled, range.to) } : {}),
          // Built on the way, the image needs no record of the history kept.
          ...(stream ? { image: stream, keepHistory: false } : {}),
          ...(onStarted ? { onStarted } : {}),
          signal: abort.signal,
          onProgress: (bytes, total) =>
            options.onProgress?.({ step: 'source', bytes, totalBytes: total, message: 'reading the binlog' }),
        });
      const settle = (history: TableHistory): HistoryFile => {
        warnings.push(...checkHistory(history, schema, range?.text));
        // Maps of transactions before the moment are decoded too (their rows are skipped): say only what counted.
        if (history.statements.some((s) => s.kind === 'alter')) {
          for (const note of mapped)
            warnings.push(`Rows logged when ${schema.ref.name} had another shape: ${note}.`);
        }
        return {
          path: history.path,
          changes: history.writer.changes,
          transactions: history.writer.transactions,
          files: history.writer.files,
        };
      };
      // Backing out reads the accident's own images (see backout()); the as-of image is not needed.
      if (range) {
        file = settle(await read(undefined));
        return schema;
      }
      // The as-of image is built while reading, and its rows can be read (and sent) as they are decided:
      // describe returns once the moment is found, the rest of the read runs on.
      const rows = new GrowingFile(dir.file('as-of-rows-read'));
      const stream = new AsOfStream(dir, KEY_BUDGET, {
        onRows: (written) => rows.grew(written),
        onGiveUp: () => rows.abandon(),
      });
      let started!: () => void;
      const begun = new Promise<void>((resolve) => {
        started = resolve;
      });
      reading = (async () => {
        let history = await read(stream, started).finally(() => stream.finish());
        const built = stream.finish();
        // A transaction read did not count: read again, keeping the history, and build the image from it.
        if (!built) history = await read(undefined);
        file = settle(history);
        const whole = built ? stream.complete(built, file) : buildAsOf(file, dir);
        refusePartial(whole, readColumns);
        image = whole;
        if (built) rows.done(statSync(whole.rowsPath).size);
        else rows.replace(whole.rowsPath, statSync(whole.rowsPath).size);
      })();
      reading.catch((error: unknown) => rows.fail(error));
      await Promise.race([begun, reading]);
      growing = rows;
      return schema;
    },
    ...(range
      ? {
          async backout(schema: TableSchema) {
            if (!file) throw new RowbackError('internal', 'the binlog source was read before describe');
            return accidentImages(file, range, readColumns, `${schema.ref.schema}.${schema.ref.name}`);
          },
        }
      : {}),
    async size(): Promise<SourceSize> {
      // Known once the binlog is read; until then the rows are counted as they are sent.
      return image ? { rows: image.rows } : {};
    },
    read(_schema: TableSchema, read: SourceReadOptions): RowStream {
      if (!growing) throw new RowbackError('internal', 'the binlog source was read before describe');
      const rows = growing.tail();
      return sameColumns(read.columns, readColumns) ? rows : project(rows, readColumns, read.columns);
    },
    async *absentKeys(): RowStream {
      await reading;
      yield* fileStream(described(image).absentPath);
    },
    async cancel() {
      abort.abort();
      await connection.cancel();
    },
    async close() {
      abort.abort();
      await reading?.catch(() => {});
      await connection.close();
      await dir.remove();
    },
  };
  return source;
}

/** `binlog` is the target's own binlog; `binlog:mysql://…` another server's. */
function serverUrl(from: string, options: OpenSourceOptions): string {
  const other = /^binlog:(.+)$/i.exec(from)?.[1];
  if (other) return other;
  if (!options.targetUrl) {
    throw new RowbackError(
      'usage',
      "--from binlog reads the target's binlog, but the target was given as an open session.",
      {
        hint: 'Give the server whose binlog to read: --from binlog:mysql://user@host/db',
      },
    );
  }
  return options.targetUrl;
}

/** `--backout`: its start is the moment the history is read from; --as-of and its siblings cannot join it. */
function backoutRange(options: OpenSourceOptions): BackoutRange {
  const flags = options.flags ?? {};
  const also = [
    ...(options.asOf ? ['--as-of'] : []),
    ...(flags.asOfPosition !== undefined ? ['--as-of-position'] : []),
    ...(flags.asOfGtid !== undefined ? ['--as-of-gtid'] : []),
  ];
  if (also.length > 0) {
    throw new RowbackError(
      'usage',
      `--backout names its own range; ${also.join(', ')} cannot be given with it.`,
      {
        hint: 'Write the accident as --backout FROM..TO (times, FILE:POS positions or GTIDs) or --backout GTID.',
      },
    );
  }
  return parseBackout(flags.backout!);
}

function asOfSpec(options: OpenSourceOptions): AsOfSpec {
  const flags = options.flags ?? {};
  const given: AsOfSpec[] = [
    ...(options.asOf ? [{ time: options.asOf }] : []),
    ...(flags.asOfPosition !== undefined ? [{ position: flags.asOfPosition }] : []),
    ...(flags.asOfGtid !== undefined ? [{ gtid: flags.asOfGtid }] : []),
  ];
  if (given.length !== 1) {
    throw new RowbackError(
      'usage',
      given.length === 0
        ? 'The binlog source needs the moment to rewind to.'
        : 'Give the moment once: --as-of, --as-of-position or --as-of-gtid.',
      {
        hint: 'e.g. --as-of "2026-11-24 10:14:59+00", --as-of-position binlog.000042:1337 or --as-of-gtid 0-1-4711',
      },
    );
  }
  return given[0]!;
}

async function describeToday(connection: Describer, table: TableRef, key: string[]): Promise<TableSchema> {
  const schema = await connection.describe(table, { key });
  return { ...schema, key: { columns: key, origin: schema.key?.origin ?? 'user' } };
}

function described(image: AsOfImage | undefined): AsOfImage {
  if (!image) throw new RowbackError('internal', 'the binlog source was read before describe');
  return image;
}

/** Keys whose row as of the moment is only partly in the binlog cannot be put back: say which and why. */
function refusePartial(image: AsOfImage, columns: string[]): void {
  const { count, examples, slots } = image.partial;
  if (count === 0) return;
  const names = slots.map((s) => columns[s]).join(', ');
  throw new RowbackError(
    'unsupported',
    `${count} row(s) as of the moment are only partly in the binlog: their first change after it logged no ${names} (binlog_row_image was MINIMAL or NOBLOB), e.g. at ${examples.map((e) => `${e.file}:${e.position}`).join(', ')}.`,
    {
      hint: "Set binlog_row_image=FULL on the server (SET GLOBAL binlog_row_image = 'FULL' and in its configuration; clients can set it per session too) for changes from now on; these rows need a dump or an instance backup.",
      details: { partialRows: count, columns: slots.map((s) => columns[s]) },
    },
  );
}

async function* fileStream(path: string): RowStream {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) yield chunk as Buffer;
}

function sameColumns(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}

/** Lines of `from` columns → lines of `to` columns (a subset, in any order). */
async function* project(rows: RowStream, from: string[], to: string[]): RowStream {
  const picks = to.map((c) => from.indexOf(c));
  let rest = Buffer.alloc(0);
  for await (const chunk of rows) {
    const data = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    const out: Buffer[] = [];
    let start = 0;
    for (let nl = data.indexOf(0x0a); nl !== -1; nl = data.indexOf(0x0a, start)) {
      const fields: Buffer[] = [];
      let f = start;
      for (let i = start; i <= nl; i++) {
        if (i === nl || data[i] === 0x09) {
          fields.push(data.subarray(f, i));
          f = i + 1;
        }
      }
      picks.forEach((p, i) => {
        if (i > 0) out.push(TAB);
        out.push(fields[p] ?? NULL);
      });
      out.push(NEWLINE);
      start = nl + 1;
    }
    rest = Buffer.from(data.subarray(start));
    if (out.length) yield Buffer.concat(out);
  }
}

const TAB = Buffer.from('\t');
const NEWLINE = Buffer.from('\n');
const NULL = Buffer.from('\\N');
