import type { FieldPacket } from 'mysql2';
import type { QueryResult } from '../engine.js';
import type { RawRow, Session } from './connect.js';

/** The binary character set's number: text columns of it hold raw bytes (numbers report it too). */
const BINARY_CHARSET = 63;
/** Column types that carry bytes: strings and blobs (binary when of the binary set), BIT, GEOMETRY. */
const STRING_TYPES = new Set([15, 249, 250, 251, 252, 253, 254]);
const BYTE_TYPES = new Set([16, 255]);

function isBinary(field: FieldPacket): boolean {
  const type = field.columnType ?? field.type ?? 0;
  return BYTE_TYPES.has(type) || (STRING_TYPES.has(type) && field.characterSet === BINARY_CHARSET);
}

type Reply = [RawRow[] | unknown, FieldPacket[] | undefined];

function send(session: Session, sql: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    session.raw.query({ sql, rowsAsArray: true, typeCast: false }, (error, rows, fields) => {
      if (error) reject(error);
      else resolve([rows, fields as FieldPacket[] | undefined]);
    });
  });
}

/** A SELECT on the pinned session: every value the server's text, binary values as `\x` hex. */
export async function query(session: Session, sql: string): Promise<QueryResult> {
  let reply: Reply;
  try {
    reply = await send(session, sql);
  } catch (error) {
    throw session.wrap(error, 'while running a query');
  }
  let [rows, fields] = reply;
  // Several statements give one result each; a query is about the last one with rows.
  if (Array.isArray(fields) && Array.isArray(fields[0])) {
    const sets = fields as unknown as (FieldPacket[] | undefined)[];
    const last =
      sets
        .map((f, i) => (f ? i : -1))
        .filter((i) => i >= 0)
        .pop() ?? 0;
    rows = (rows as unknown[])[last];
    fields = sets[last];
  }
  if (!fields || !Array.isArray(rows)) {
    const affected = (rows as { affectedRows?: number } | undefined)?.affectedRows;
    return { columns: [], rows: [], ...(typeof affected === 'number' ? { affected } : {}) };
  }
  const binary = fields.map(isBinary);
  return {
    columns: fields.map((f) => f.name),
    rows: (rows as RawRow[]).map((row) =>
      row.map((v, i) => (v === null ? null : binary[i] ? `\\x${v.toString('hex')}` : v.toString('utf8'))),
    ),
  };
}

/** Runs SQL on the pinned session (several statements when it was opened with `multipleStatements`). */
export async function exec(session: Session, sql: string): Promise<void> {
  try {
    await send(session, sql);
  } catch (error) {
    throw session.wrap(error, 'while running a statement');
  }
}
