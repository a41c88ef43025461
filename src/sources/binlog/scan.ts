import {
  canonicalXid,
  type GtidStart,
  queryRole,
  readMariaGtid,
  readMysqlGtid,
  readQuery,
  readXaPrepare,
} from './control.js';
import { type BinlogEvent, EventReader, EventType, type FormatDescription, rowsEventKind } from './events.js';
import { readPayload } from './payload.js';
import type { RowChange, RowsDecoder } from './rows.js';
import { type StatementKind, statementOn } from './statements.js';
import { readTableMap, type TableMap, tableIdOf } from './table-map.js';

/** Where an event sits: its file and start position. */
export interface EventRef {
  file: string;
  position: number;
}

/** The moment the table is wanted as of: everything committed from it on is undone. */
export type Boundary =
  | { kind: 'time'; seconds: number }
  | { kind: 'position'; file: string; position: number }
  | { kind: 'gtid'; gtid: string };

/** A transaction that touched the table, as it ended. */
export interface Settled {
  txn: number;
  gtid: string | undefined;
  start: EventRef;
  /** Commit time in seconds (and microseconds when known); undefined when it never committed. */
  commitTime: number | undefined;
  commitMicros?: number;
  /** `counted`: committed at or after as-of; `before`: committed before as-of; the rest never committed. */
  outcome: 'counted' | 'before' | 'rolled-back' | 'uncommitted';
}

/** A statement that changes the table (DDL, or a write logged as a statement), at or after as-of. */
export interface TableStatement {
  kind: StatementKind;
  text: string;
  at: EventRef;
  time: number;
}

export interface ScanSink {
  /** Rows of the table in transaction `txn` (which may later be settled as not counting). */
  change(txn: number, change: RowChange, at: EventRef): void;
  settle(settled: Settled): void;
  statement(statement: TableStatement): void;
}

/** Something in the binlog rowback must not read past (a gap, a format it cannot decode). */
export class ScanRefused extends Error {
  constructor(
    readonly reason: 'incident' | 'partial-json' | 'tagged-gtid',
    readonly at: EventRef,
    message: string,
  ) {
    super(message);
  }
}

interface Open {
  start: EventRef;
  time: number;
  gtid: GtidStart | undefined;
  /** The transaction's number, once it touched the table. */
  txn: number | undefined;
  /** True once BEGIN (or an XA START) was seen: the group then ends at COMMIT / XID / PREPARE. */
  explicit: boolean;
  xid?: string;
}

/**
 * Follows the binlog event by event, knowing where each transaction starts and ends, and hands the
 * rows of one table to a sink, tagged with their transaction; a transaction is settled when it commits
 * (counted from the as-of boundary on), rolls back, or is still open when the reading stops. Rows of
 * other tables are skipped by table id without being decoded. Pure: fed whole raw events.
 */
export class Scanner {
  readonly reader: EventReader;
  private open: Open | undefined;
  private nextTxn = 1;
  /** Decoders of the table's current TABLE_MAPs by table id; other tables' ids are absent. */
  private readonly maps = new Map<number, RowsDecoder>();
  /** The TABLE_MAP body each decoder was built from: every transaction repeats it, unchanged. */
  private readonly mapBodies = new Map<number, Buffer>();
  /** XA transactions prepared and waiting for XA COMMIT / ROLLBACK, by XID. */
  private readonly prepared = new Map<string, Open>();
  /** The boundary was passed: every transaction from here on counts. */
  private passed = false;

  get passedBoundary(): boolean {
    return this.passed;
  }
  last: EventRef | undefined;

  constructor(
    file: string,
    private readonly table: { schema: string; name: string },
    private readonly boundary: Boundary,
    private readonly decoderFor: (map: TableMap, format: FormatDescription) => RowsDecoder,
    private readonly sink: ScanSink,
  ) {
    this.reader = new EventReader(file);
  }

  push(raw: Buffer): void {
    this.handle(this.reader.read(raw), false);
  }

  /** The reading stopped: an open transaction, or an XA transaction still prepared, never committed. */
  finish(): void {
    if (this.open) this.settle(this.open, undefined, 'uncommitted');
    for (const open of this.prepared.values()) this.settle(open, undefined, 'uncommitted');
    this.prepared.clear();
    this.open = undefined;
  }

  private handle(event: BinlogEvent, inner: boolean): void {
    const at = { file: event.file, position: event.position };
    if (event.position >= 0 && !inner) this.last = at;
    switch (event.type) {
      case EventType.MARIADB_GTID:
        this.startGroup(at, event, readMariaGtid(event.body, event.serverId, event.timestamp));
        return;
      case EventType.GTID:
      case EventType.ANONYMOUS_GTID:
        this.startGroup(
          at,
          event,
          readMysqlGtid(event.body, event.type === EventType.ANONYMOUS_GTID, event.timestamp),
        );
        return;
      case EventType.GTID_TAGGED:
        throw new ScanRefused('tagged-gtid', at, 'tagged GTIDs (MySQL 8.3+) are not read by rowback yet');
      case EventType.QUERY:
      case EventType.QUERY_COMPRESSED:
        this.query(at, event);
        return;
      case EventType.XID:
        if (this.open) this.commit(this.open, event.timestamp);
        this.open = undefined;
        return;
      case EventType.XA_PREPARE:
        this.prepare(readXaPrepare(event.body));
        return;
      case EventType.TABLE_MAP:
        this.tableMap(event);
        return;
      case EventType.TRANSACTION_PAYLOAD:
        for (const innerEvent of readPayload(event, this.reader)) this.handle(innerEvent, true);
        return;
      case EventType.INCIDENT:
        throw new ScanRefused(
          'incident',
          at,
          `the binlog has a gap at ${at.file}:${at.position} (an INCIDENT event: the server lost events there)`,
        );
      default:
        this.rows(at, event);
    }
  }

  private startGroup(at: EventRef, event: BinlogEvent, gtid: GtidStart): void {
    if (this.open) this.settle(this.open, undefined, 'uncommitted');
    this.open = { start: at, time: event.timestamp, gtid, txn: undefined, explicit: !gtid.standalone };
    if (this.boundary.kind === 'gtid' && gtid.gtid.toLowerCase() === this.boundary.gtid) this.passed = true;
  }

  private query(at: EventRef, event: BinlogEvent): void {
    const postHeader = this.reader.postHeader(event.type, 13);
    const query = readQuery(event.body, event.type, postHeader);
    const role = queryRole(query.text);
    switch (role.role) {
      case 'begin':
      case 'xa-start':
        this.open ??= this.implicit(at, event.timestamp);
        this.open.explicit = true;
        if (role.role === 'xa-start') this.open.xid = canonicalXid(query.text.replace(/^\s*XA\s+\w+/i, ''));
        return;
      case 'commit':
        if (this.open) this.commit(this.open, event.timestamp);
        this.open = undefined;
        return;
      case 'rollback':
        if (this.open) this.settle(this.open, undefined, 'rolled-back');
        this.open = undefined;
        return;
      case 'xa-end':
        return;
      case 'xa-prepare':
        this.prepare(canonicalXid(query.text.replace(/^\s*XA\s+\w+/i, '')));
        return;
      case 'xa-commit':
      case 'xa-rollback': {
        const xid = canonicalXid(role.xid);
        const waiting = this.prepared.get(xid);
        this.prepared.delete(xid);
        if (waiting) {
          if (role.role === 'xa-commit') this.commit(waiting, event.timestamp);
          else this.settle(waiting, undefined, 'rolled-back');
        }
        this.open = undefined;
        return;
      }
      default: {
        const kind = statementOn(query.text, query.database, this.table.schema, this.table.name);
        const group = this.open ?? this.implicit(at, event.timestamp);
        if (kind && this.counts(group, group.gtid?.commitTime ?? event.timestamp)) {
          this.sink.statement({ kind, text: query.text, at, time: event.timestamp });
        }
        // A statement outside BEGIN … COMMIT is a group of its own (DDL commits by itself).
        if (this.open && !this.open.explicit) this.open = undefined;
      }
    }
  }

  /** An XA transaction is prepared: its rows count only if XA COMMIT follows (in a later group). */
  private prepare(xid: string): void {
    if (!this.open) return;
    this.open.xid = xid;
    this.prepared.set(xid, this.open);
    this.open = undefined;
  }

  private tableMap(event: BinlogEvent): void {
    const postHeader = this.reader.postHeader(event.type, 8);
    const id = tableIdOf(event.body, postHeader);
    if (this.maps.has(id) && this.mapBodies.get(id)?.equals(event.body)) return;
    const format = this.reader.format!;
    const map = readTableMap(event.body, postHeader, format.mariadb);
    if (map.schema === this.table.schema && map.table === this.table.name) {
      this.maps.set(id, this.decoderFor(map, format));
      this.mapBodies.set(id, Buffer.from(event.body));
    } else {
      // Table ids are reused after a table leaves the server's cache: an old mapping must not linger.
      this.maps.delete(id);
      this.mapBodies.delete(id);
    }
  }

  private rows(at: EventRef, event: BinlogEvent): void {
    const how = rowsEventKind(event.type);
    if (!how) return;
    const postHeader = this.reader.postHeader(event.type, how.v2 ? 10 : 8);
    const decoder = this.maps.get(tableIdOf(event.body, postHeader));
    if (!decoder) return;
    if (event.type === EventType.PARTIAL_UPDATE_ROWS) {
      throw new ScanRefused(
        'partial-json',
        at,
        `the update at ${at.file}:${at.position} was logged as a partial JSON update, which carries no full after image`,
      );
    }
    this.open ??= this.implicit(at, event.timestamp);
    const open = this.open;
    const known = open.gtid?.commitTime !== undefined && !open.xid && !open.gtid.preparedXa;
    if (known && !this.counts(open, open.gtid!.commitTime!)) return;
    open.txn ??= this.nextTxn++;
    const txn = open.txn;
    decoder.decode(event.body, { ...how, postHeader }, (change) => this.sink.change(txn, change, at));
  }

  /** A group the binlog did not open with a GTID or BEGIN (old servers, statements outside transactions). */
  private implicit(start: EventRef, time: number): Open {
    return { start, time, gtid: undefined, txn: undefined, explicit: false };
  }

  /** Whether a transaction committing at `commitTime` counts: at or after the as-of boundary. */
  private counts(open: Open, commitTime: number): boolean {
    if (this.passed) return true;
    const b = this.boundary;
    if (b.kind === 'time') return commitTime >= b.seconds;
    if (b.kind === 'position') {
      if (comparePositions(open.start, b) >= 0) this.passed = true;
      return this.passed;
    }
    return false;
  }

  private commit(open: Open, commitTime: number): void {
    const time = open.xid ? commitTime : (open.gtid?.commitTime ?? commitTime);
    this.settle(open, time, this.counts(open, time) ? 'counted' : 'before');
  }

  private settle(open: Open, commitTime: number | undefined, outcome: Settled['outcome']): void {
    if (open.txn === undefined) return;
    this.sink.settle({
      txn: open.txn,
      gtid: open.gtid?.gtid,
      start: open.start,
      commitTime,
      ...(open.gtid?.commitMicros === undefined ? {} : { commitMicros: open.gtid.commitMicros }),
      outcome,
    });
  }
}

/** Orders two positions: by the file's sequence number (the digits after its last dot), then position. */
export function comparePositions(a: EventRef, b: EventRef): number {
  const fileOrder = fileNumber(a.file) - fileNumber(b.file);
  return fileOrder !== 0 ? fileOrder : a.position - b.position;
}

export function fileNumber(file: string): number {
  const digits = /\.(\d+)$/.exec(file)?.[1];
  return digits === undefined ? 0 : Number.parseInt(digits, 10);
}
