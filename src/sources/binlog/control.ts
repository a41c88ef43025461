import { Cursor } from './bytes.js';
import { EventType } from './events.js';
import { uncompress } from './rows.js';

/** A transaction's start as its GTID event says it: the GTID text and, when known, its commit time. */
export interface GtidStart {
  gtid: string;
  /** Seconds since the epoch (MariaDB: the event's own stamp; MySQL 8: its immediate commit timestamp). */
  commitTime: number | undefined;
  /** Microseconds of the commit time, when the server records them (MySQL 8). */
  commitMicros?: number;
  /** MariaDB: a single statement (DDL, a non-transactional write) with no COMMIT after it. */
  standalone: boolean;
  /** MariaDB: an XA transaction's PREPARE group (its rows count only once XA COMMIT follows). */
  preparedXa: boolean;
}

const MARIADB_STANDALONE = 0x01;
const MARIADB_GROUP_COMMIT_ID = 0x02;
const MARIADB_PREPARED_XA = 0x40;

/** MariaDB GTID event: sequence number, domain, flags; the GTID is domain-server-sequence. */
export function readMariaGtid(body: Buffer, serverId: number, timestamp: number): GtidStart {
  const c = new Cursor(body);
  const sequence = c.u64();
  const domain = c.u32();
  const flags = c.u8();
  if (flags & MARIADB_GROUP_COMMIT_ID) c.u64();
  return {
    gtid: `${domain}-${serverId}-${sequence}`,
    commitTime: timestamp,
    standalone: (flags & MARIADB_STANDALONE) !== 0,
    preparedXa: (flags & MARIADB_PREPARED_XA) !== 0,
  };
}

/**
 * MySQL GTID / anonymous GTID event: flags, source UUID, sequence number, logical clock, then (8.0.1+)
 * the immediate commit timestamp in microseconds (7 bytes; the top bit says an original one follows).
 */
export function readMysqlGtid(body: Buffer, anonymous: boolean, timestamp: number): GtidStart {
  const c = new Cursor(body);
  c.u8(); // flags
  const uuid = c.bytes(16).toString('hex');
  const sequence = c.u64();
  let commitTime: number | undefined;
  let commitMicros: number | undefined;
  if (c.left >= 1 + 16) {
    c.u8(); // logical clock type code
    c.bytes(16); // last committed, sequence number
    if (c.left >= 7) {
      const raw = c.uint(7);
      const micros = raw % 2 ** 55;
      commitTime = Math.floor(micros / 1e6);
      commitMicros = micros % 1e6;
    }
  }
  const gtid = anonymous
    ? 'ANONYMOUS'
    : `${uuid.slice(0, 8)}-${uuid.slice(8, 12)}-${uuid.slice(12, 16)}-${uuid.slice(16, 20)}-${uuid.slice(20)}:${sequence}`;
  return {
    gtid,
    commitTime: commitTime ?? timestamp,
    ...(commitMicros === undefined ? {} : { commitMicros }),
    standalone: false,
    preparedXa: false,
  };
}

/** A QUERY event's default database and statement text. */
export interface Query {
  database: string;
  text: string;
}

/** QUERY (and MariaDB's QUERY_COMPRESSED) body: post-header, status variables, database, statement. */
export function readQuery(body: Buffer, type: number, postHeader: number): Query {
  const c = new Cursor(body);
  c.pos = 8; // thread id, execution time
  const databaseLength = c.u8();
  c.u16(); // error code
  const statusLength = postHeader >= 13 ? c.u16() : 0;
  c.pos = postHeader + statusLength;
  const database = c.bytes(databaseLength).toString('utf8');
  c.u8(); // NUL
  let text = c.rest();
  if (type === EventType.QUERY_COMPRESSED) text = uncompress(text);
  return { database, text: text.toString('utf8') };
}

/** What a statement does to the transaction around it. */
export type QueryRole =
  | { role: 'begin' }
  | { role: 'commit' }
  | { role: 'rollback' }
  | { role: 'xa-start' | 'xa-end' | 'xa-prepare' }
  | { role: 'xa-commit' | 'xa-rollback'; xid: string }
  | { role: 'statement' };

/** Classifies a statement: transaction control, XA control, or anything else (DDL, statement-format DML). */
export function queryRole(text: string): QueryRole {
  const head = text.trimStart().slice(0, 64).toUpperCase();
  if (/^BEGIN\b/.test(head) || /^START\s+TRANSACTION\b/.test(head)) return { role: 'begin' };
  if (/^COMMIT\b/.test(head)) return { role: 'commit' };
  if (/^ROLLBACK\b/.test(head) && !/^ROLLBACK\s+TO\b/.test(head)) return { role: 'rollback' };
  if (/^XA\s+(START|BEGIN)\b/.test(head)) return { role: 'xa-start' };
  if (/^XA\s+END\b/.test(head)) return { role: 'xa-end' };
  if (/^XA\s+PREPARE\b/.test(head)) return { role: 'xa-prepare' };
  const xa = /^\s*XA\s+(COMMIT|ROLLBACK)\s+(.*?)(\s+ONE\s+PHASE)?\s*$/is.exec(text);
  if (xa)
    return { role: xa[1]!.toUpperCase() === 'COMMIT' ? 'xa-commit' : 'xa-rollback', xid: xa[2]!.trim() };
  return { role: 'statement' };
}

/**
 * An XID in one canonical form, `gtrid-hex,bqual-hex,formatID`, whether written as SQL (`'x1'`,
 * `X'7831',X'',1`, `0x7831`) or stored in binary.
 */
export function canonicalXid(text: string): string {
  const parts: string[] = [];
  const re = /\s*(?:X'([0-9a-f]*)'|0x([0-9a-f]+)|'((?:[^']|'')*)'|(\d+))\s*,?/giy;
  for (let m = re.exec(text); m && m[0] !== ''; m = re.exec(text)) {
    if (m[4] !== undefined) parts.push(m[4]);
    else
      parts.push(
        (m[1] ?? m[2] ?? Buffer.from((m[3] ?? '').replace(/''/g, "'"), 'utf8').toString('hex')).toLowerCase(),
      );
  }
  const [gtrid = '', bqual = '', format = '1'] = parts;
  return `${gtrid},${bqual},${format}`;
}

/** The XID in an XA_PREPARE event: one-phase flag, format id, lengths, then gtrid and bqual bytes. */
export function readXaPrepare(body: Buffer): string {
  const c = new Cursor(body);
  c.u8();
  const format = c.u32();
  const gtrid = c.u32();
  const bqual = c.u32();
  return `${c.bytes(gtrid).toString('hex')},${c.bytes(bqual).toString('hex')},${format}`;
}
