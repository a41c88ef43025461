import { RowbackError } from '../../core/errors.js';
import { type AsOfSpec, type ResolvedAsOf, resolveAsOf, utcText } from './as-of-spec.js';
import type { AsOfStream } from './as-of-stream.js';
import { refusal } from './errors.js';
import { HistoryWriter } from './history.js';
import { type FileStart, gtidBefore, type LogFile, lastFileWhere, listLogs, probeFile } from './logs.js';
import { projectionFor, type Wanted } from './projection.js';
import { pickServerId, ReplicaConnection } from './replica.js';
import { RowsDecoder } from './rows.js';
import { type EventRef, fileNumber, Scanner, type Settled, type TableStatement } from './scan.js';
import type { SpillDir } from './spill.js';
import type { MetadataLevel, TableMap } from './table-map.js';

/** Files started this many seconds before as-of are read too: commit stamps are not strictly in file order. */
const START_MARGIN = 60;

/** What reading one table's binlog history produced. */
export interface TableHistory {
  path: string;
  writer: HistoryWriter;
  asOf: ResolvedAsOf;
  statements: TableStatement[];
  /** TABLE_MAP metadata levels seen for the table (FULL names the columns). */
  metadata: Set<MetadataLevel>;
  /** The first event read and the last one. */
  from: EventRef;
  to: EventRef | undefined;
  /** The oldest moment the server's binlogs still cover. */
  oldest: number;
  bytes: number;
}

export interface ReadOptions {
  url: string;
  table: { schema: string; name: string };
  asOf: AsOfSpec;
  wanted: Omit<Wanted, 'collations'>;
  dir: SpillDir;
  /** Fed every change and settled transaction as they are read: the as-of image built on the way. */
  image?: AsOfStream;
  /** False: the history's records are not written (the image is built on the way); counts are kept. */
  keepHistory?: boolean;
  onProgress?: (bytes: number, total: number) => void;
  /** Stops reading once a transaction settles for which this is true (the end of a range was passed). */
  stopAfter?: (settled: Settled) => boolean;
  /** Called once the moment is resolved and the first file found, as the events start to be read. */
  onStarted?: () => void;
  /** Aborting closes the replication session; the read then fails as interrupted. */
  signal?: AbortSignal;
}

/**
 * Reads the table's changes from the first binlog file that can hold the as-of moment to the current end
 * of the binlog, over the replication protocol, into a history spill file.
 */
export async function readTableHistory(options: ReadOptions): Promise<TableHistory> {
  const connection = await ReplicaConnection.open(options.url);
  const stop = () => connection.close();
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    const logs = await listLogsOrExplain(connection);
    const asOf = await resolveAsOf(options.asOf, connection);
    const collations = await readCollations(connection);
    const serverId = await pickServerId(connection);
    const probe = (file: string) =>
      probeFile(options.url, file, serverId).catch((error: unknown) => {
        throw refusal(error, { file, position: 4 }, connection.redactedUrl);
      });
    // A file listed a moment ago may be purged before it is probed: say so, as for the dump itself.
    const { start, oldest } = await startFile(logs, asOf, probe).catch((error: unknown) => {
      throw refusal(error, undefined, connection.redactedUrl);
    });
    const wanted: Wanted = { ...options.wanted, collations };
    // Read again after an image built on the way gave up, the history may already be there in part.
    const name = options.keepHistory === false ? 'history-from-hand-over' : 'history';
    const writer = new HistoryWriter(options.dir.file(name), options.keepHistory !== false);
    const statements: TableStatement[] = [];
    const metadata = new Set<MetadataLevel>();
    let stopped = false;
    const scanner = new Scanner(
      start,
      options.table,
      asOf.boundary,
      (map: TableMap) => {
        metadata.add(map.metadata);
        return new RowsDecoder(projectionFor(map, wanted));
      },
      {
        change: (txn, change, at) => {
          if (options.image?.handedOver) writer.keep();
          writer.add(txn, change, at);
          options.image?.change(change, at);
        },
        settle: (settled) => {
          writer.settle(settled);
          options.image?.settle(settled);
          if (options.stopAfter?.(settled)) stopped = true;
        },
        statement: (statement) => statements.push(statement),
      },
    );
    const total = logs.slice(logs.findIndex((l) => l.name === start)).reduce((n, l) => n + l.size, 0);
    let bytes = 0;
    let lastReport = 0;
    options.onStarted?.();
    try {
      for await (const raw of connection.dump({ file: start, position: 4, serverId, stopAtEnd: true })) {
        scanner.push(raw);
        bytes += raw.length;
        if (stopped) break;
        if (options.onProgress && bytes - lastReport > 4 << 20) {
          lastReport = bytes;
          options.onProgress(bytes, total);
        }
      }
    } catch (error) {
      writer.close();
      if (options.signal?.aborted) {
        throw new RowbackError('interrupted', 'Interrupted while reading the binlog; nothing was written.');
      }
      throw refusal(error, scanner.last ?? { file: start, position: 4 }, connection.redactedUrl);
    }
    scanner.finish();
    writer.close();
    if (asOf.boundary.kind === 'gtid' && !scanner.passedBoundary) {
      throw new RowbackError(
        'not-found',
        `GTID ${asOf.boundary.gtid} is not in the binlog from ${start} on.`,
        {
          hint: 'Check the GTID (SHOW BINLOG EVENTS shows them); it may belong to another domain or server.',
        },
      );
    }
    return {
      path: writer.path,
      writer,
      asOf,
      statements,
      metadata,
      from: { file: start, position: 4 },
      to: scanner.last,
      oldest,
      bytes,
    };
  } finally {
    options.signal?.removeEventListener('abort', stop);
    connection.close();
  }
}

async function listLogsOrExplain(connection: ReplicaConnection): Promise<LogFile[]> {
  try {
    const logs = await listLogs(connection);
    if (logs.length === 0) throw new Error('no binary logs');
    return logs;
  } catch (error) {
    throw refusal(error, undefined, connection.redactedUrl);
  }
}

/** Collation id → character set, as this server numbers them (MariaDB 10.10+ lists UCA 14 ids apart). */
async function readCollations(connection: ReplicaConnection): Promise<Map<number, string>> {
  const map = new Map<number, string>();
  for (const sql of [
    'SELECT ID, CHARACTER_SET_NAME FROM information_schema.COLLATIONS WHERE ID IS NOT NULL',
    'SELECT ID, CHARACTER_SET_NAME FROM information_schema.COLLATION_CHARACTER_SET_APPLICABILITY WHERE ID IS NOT NULL',
  ]) {
    try {
      for (const [id, charset] of await connection.query(sql)) map.set(Number(id), charset!);
    } catch {
      // older servers have no ID column in the second table
    }
  }
  return map;
}

/**
 * The file to start reading in: the last one started before the as-of moment (with a margin), the file
 * named by a position, or the last one whose GTID list does not yet hold the GTID. Refuses an as-of
 * older than the oldest binlog.
 */
async function startFile(
  logs: LogFile[],
  asOf: ResolvedAsOf,
  probe: (file: string) => Promise<FileStart>,
): Promise<{ start: string; oldest: number }> {
  const b = asOf.boundary;
  if (b.kind === 'position') {
    const first = await probe(logs[0]!.name);
    if (!logs.some((l) => l.name === b.file)) {
      const oldest = logs[0]!.name;
      throw new RowbackError(
        'not-found',
        `Binlog file ${b.file} is not on the server: its binary logs run from ${oldest} to ${logs.at(-1)!.name}.`,
        {
          hint:
            fileNumber(b.file) < fileNumber(oldest)
              ? `It was purged: the oldest moment still covered is ${utcText(first.startedAt)}. Restore from a dump or an instance backup instead.`
              : 'Check the file name (SHOW BINARY LOGS lists them).',
        },
      );
    }
    const file = logs.find((l) => l.name === b.file)!;
    if (b.position > file.size) {
      // like an --as-of in the future: nothing was written there yet, so there would be nothing to undo
      throw new RowbackError(
        'usage',
        `--as-of-position ${b.file}:${b.position} is past the end of ${b.file}, which holds ${file.size} bytes so far.`,
        { hint: 'Take the position from SHOW BINLOG EVENTS (Pos, or End_log_pos of the event before).' },
      );
    }
    return { start: b.file, oldest: first.startedAt };
  }
  if (b.kind === 'gtid') {
    const found = await lastFileWhere(logs, probe, (start) => !gtidBefore(start, b.gtid));
    if (found.index < 0) {
      throw new RowbackError('not-found', `GTID ${b.gtid} is older than the oldest binlog on the server.`, {
        hint: `The oldest moment still covered is ${utcText(found.first.startedAt)}. Restore from a dump or an instance backup instead.`,
      });
    }
    return { start: logs[found.index]!.name, oldest: found.first.startedAt };
  }
  const found = await lastFileWhere(logs, probe, (start) => start.startedAt <= b.seconds - START_MARGIN);
  if (found.index < 0) {
    if (found.first.startedAt > b.seconds) {
      throw new RowbackError(
        'not-found',
        `The binlog does not reach back to ${asOf.described}: the oldest binary log on the server starts at ${utcText(found.first.startedAt)}.`,
        {
          hint: 'Pick a later --as-of, or restore from a dump or an instance backup; keep binlogs longer with binlog_expire_logs_seconds (see `rowback doctor`).',
          details: { oldestCovered: utcText(found.first.startedAt) },
        },
      );
    }
    return { start: logs[0]!.name, oldest: found.first.startedAt };
  }
  return { start: logs[found.index]!.name, oldest: found.first.startedAt };
}
