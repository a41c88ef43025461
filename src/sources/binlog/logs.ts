import { Cursor } from './bytes.js';
import { EventReader, EventType } from './events.js';
import { ReplicaConnection } from './replica.js';

/** One binary log file as the server lists it. */
export interface LogFile {
  name: string;
  size: number;
}

/** What the first events of a binlog file say: when it was started and which GTIDs came before it. */
export interface FileStart {
  name: string;
  /** Seconds since the epoch: the FORMAT_DESCRIPTION's stamp, i.e. when the file was started. */
  startedAt: number;
  /** MariaDB: the last sequence number per domain before the file (`domain` → seq). */
  mariadbGtids?: Map<number, bigint>;
  /** MySQL: the GTID set executed before the file, as UUID → intervals [start, end). */
  mysqlGtids?: Map<string, [bigint, bigint][]>;
}

/** `SHOW BINARY LOGS`: the files the server still has, oldest first. */
export async function listLogs(connection: ReplicaConnection): Promise<LogFile[]> {
  const rows = await connection.query('SHOW BINARY LOGS');
  return rows.map((r) => ({ name: r[0]!, size: Number(r[1] ?? 0) }));
}

/**
 * Reads the first few events of one file over its own replication session (the dump occupies the
 * session), stopping at the first transaction. Each call opens and closes a session.
 */
export async function probeFile(url: string, file: string, serverId: number): Promise<FileStart> {
  const connection = await ReplicaConnection.open(url);
  const reader = new EventReader(file);
  const start: FileStart = { name: file, startedAt: 0 };
  try {
    for await (const raw of connection.dump({ file, position: 4, serverId, stopAtEnd: true })) {
      const event = reader.read(raw);
      if (event.file !== file) break;
      if (event.type === EventType.FORMAT_DESCRIPTION) start.startedAt = event.timestamp;
      else if (event.type === EventType.MARIADB_GTID_LIST) start.mariadbGtids = readGtidList(event.body);
      else if (event.type === EventType.PREVIOUS_GTIDS) start.mysqlGtids = readPreviousGtids(event.body);
      else if (event.position > 4 && isTransactionStart(event.type)) break;
    }
  } finally {
    connection.close();
  }
  return start;
}

function isTransactionStart(type: number): boolean {
  return (
    type === EventType.MARIADB_GTID ||
    type === EventType.GTID ||
    type === EventType.ANONYMOUS_GTID ||
    type === EventType.QUERY ||
    type === EventType.TABLE_MAP
  );
}

/** MariaDB GTID_LIST: count (low 28 bits), then domain u32, server u32, sequence u64 each. */
function readGtidList(body: Buffer): Map<number, bigint> {
  const c = new Cursor(body);
  const count = c.u32() & 0x0fffffff;
  const out = new Map<number, bigint>();
  for (let i = 0; i < count; i++) {
    const domain = c.u32();
    c.u32();
    const sequence = c.u64();
    const known = out.get(domain);
    if (known === undefined || sequence > known) out.set(domain, sequence);
  }
  return out;
}

/** MySQL PREVIOUS_GTIDS: UUID count u64, then per UUID: 16 bytes, interval count u64, [start, end) u64 pairs. */
function readPreviousGtids(body: Buffer): Map<string, [bigint, bigint][]> {
  const c = new Cursor(body);
  const out = new Map<string, [bigint, bigint][]>();
  const count = Number(c.u64());
  for (let i = 0; i < count; i++) {
    const uuid = formatUuid(c.bytes(16).toString('hex'));
    const intervals: [bigint, bigint][] = [];
    const n = Number(c.u64());
    for (let j = 0; j < n; j++) intervals.push([c.u64(), c.u64()]);
    out.set(uuid, intervals);
  }
  return out;
}

function formatUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Whether the GTID had already been written before the file started (per the file's GTID list). */
export function gtidBefore(start: FileStart, gtid: string): boolean {
  const maria = /^(\d+)-(\d+)-(\d+)$/.exec(gtid);
  if (maria && start.mariadbGtids) {
    const last = start.mariadbGtids.get(Number(maria[1]));
    return last !== undefined && last >= BigInt(maria[3]!);
  }
  const mysql = /^([0-9a-f-]{36}):(\d+)$/i.exec(gtid);
  if (mysql && start.mysqlGtids) {
    const n = BigInt(mysql[2]!);
    return (start.mysqlGtids.get(mysql[1]!.toLowerCase()) ?? []).some(([a, b]) => n >= a && n < b);
  }
  return false;
}

/**
 * The last index in `files` whose start satisfies `before` (a property true for a prefix of the files),
 * by binary search with probes; -1 when even the first file fails it.
 */
export async function lastFileWhere(
  files: LogFile[],
  probe: (file: string) => Promise<FileStart>,
  before: (start: FileStart) => boolean,
): Promise<{ index: number; first: FileStart }> {
  const first = await probe(files[0]!.name);
  if (!before(first)) return { index: -1, first };
  let lo = 0;
  let hi = files.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (before(await probe(files[mid]!.name))) lo = mid;
    else hi = mid - 1;
  }
  return { index: lo, first };
}
