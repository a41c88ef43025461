import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AuditRecord, appendAudit, defaultOperator, type MarkPosition } from '../core/audit.js';
import { RowbackError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Connection } from '../engines/engine.js';
import type { Dialect } from './guard.js';

/**
 * Restore points: before a destructive statement runs, the console writes where the database stands (the
 * time, PostgreSQL's WAL position, MySQL's binary log position and GTIDs) to the audit log, so that
 * `rowback restore … --as-of mark:<id>` can go back to just before it.
 */

/** A mark as `rowback marks` lists it. */
export interface Mark {
  id: string;
  time: string;
  operator: string;
  target: string;
  tables: string[];
  statement: string;
  position: MarkPosition;
}

/** Where the server stands now. A part the server cannot tell (no binary log, a standby) is left out. */
export async function readPosition(connection: Connection, dialect: Dialect): Promise<MarkPosition> {
  const first = async (sql: string) => (await connection.query(sql).catch(() => undefined))?.rows[0];
  if (dialect === 'postgres') {
    const lsn = (await first('SELECT pg_current_wal_lsn()::text'))?.[0];
    return lsn ? { lsn } : {};
  }
  if (dialect === 'sqlite') return {};
  // MySQL 8.4 renamed SHOW MASTER STATUS; MariaDB and older MySQL know only the old name.
  const result =
    (await connection.query('SHOW BINARY LOG STATUS').catch(() => undefined)) ??
    (await connection.query('SHOW MASTER STATUS').catch(() => undefined));
  const row = result?.rows[0];
  const position: MarkPosition = {};
  if (row?.[0] && row[1]) position.binlog = { file: row[0], position: row[1] };
  const gtid =
    dialect === 'mariadb'
      ? (await first('SELECT @@gtid_binlog_pos'))?.[0]
      : row?.[result!.columns.indexOf('Executed_Gtid_Set')];
  if (gtid) position.gtid = gtid;
  return position;
}

/** Writes a mark to the audit log and returns it. */
export async function recordMark(
  stateDir: string,
  mark: Omit<Mark, 'id' | 'time' | 'operator'>,
): Promise<Mark> {
  const made: Mark = { id: newId('m'), time: new Date().toISOString(), operator: defaultOperator(), ...mark };
  await appendAudit(stateDir, {
    time: made.time,
    command: 'mark',
    id: made.id,
    operator: made.operator,
    table: made.tables.join(', '),
    target: made.target,
    outcome: 'marked',
    durationMs: 0,
    mark: made.position,
    statement: made.statement,
  });
  return made;
}

/** Every mark in the audit log, oldest first. */
export async function listMarks(stateDir: string): Promise<Mark[]> {
  let text: string;
  try {
    text = await readFile(join(stateDir, 'audit.jsonl'), 'utf8');
  } catch {
    return [];
  }
  const marks: Mark[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('"mark"')) continue;
    let record: AuditRecord;
    try {
      record = JSON.parse(line) as AuditRecord;
    } catch {
      continue; // a line cut short by a crash
    }
    if (record.command !== 'mark') continue;
    marks.push({
      id: record.id,
      time: record.time,
      operator: record.operator,
      target: record.target,
      tables: record.table ? record.table.split(', ') : [],
      statement: record.statement ?? '',
      position: record.mark ?? {},
    });
  }
  return marks;
}

/** The mark named by `mark:<id>`; not-found (exit 3) when the audit log has none by that id. */
export async function findMark(stateDir: string, id: string): Promise<Mark> {
  const mark = (await listMarks(stateDir)).find((m) => m.id === id);
  if (!mark) {
    throw new RowbackError(
      'not-found',
      `There is no restore point ${id} in ${join(stateDir, 'audit.jsonl')}.`,
      {
        hint: '`rowback marks` lists them (pass the same --state-dir the console used).',
      },
    );
  }
  return mark;
}
