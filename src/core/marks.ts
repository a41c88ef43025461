import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AuditRecord, appendAudit, defaultOperator, type MarkPosition } from './audit.js';
import { RowbackError } from './errors.js';
import { newId } from './ids.js';
import type { CommonOptions } from './options.js';
import { resolveStateDir } from './state-dir.js';

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
export async function listMarks(stateDir?: string): Promise<Mark[]> {
  let text: string;
  try {
    text = await readFile(join(resolveStateDir(stateDir), 'audit.jsonl'), 'utf8');
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

/**
 * `--as-of mark:<id>`: the moment a restore point was taken. A binlog source goes back to the mark's
 * binary log position (every transaction from there on is undone); a PostgreSQL base backup recovers to
 * just before the mark's WAL LSN; any other source that travels in time to the mark's time, which is
 * before the statement committed.
 */
export async function resolveMark<T extends CommonOptions>(options: T): Promise<T> {
  const named = /^mark:(.+)$/i.exec(options.asOf?.trim() ?? '');
  if (!named) return options;
  const mark = await findMark(resolveStateDir(options.stateDir), named[1]!.trim());
  const binlog = typeof options.from === 'string' && /^binlog(:|$)/i.test(options.from);
  const before = `the restore point taken before: ${mark.statement.replace(/\s+/g, ' ')}`;
  if (binlog && mark.position.binlog) {
    const { asOf: _, ...rest } = options;
    const at = `${mark.position.binlog.file}:${mark.position.binlog.position}`;
    options.onNotice?.(`--as-of mark:${mark.id} is binlog position ${at}, ${before}`);
    return { ...rest, sourceFlags: { ...rest.sourceFlags, asOfPosition: at } } as T;
  }
  const lsn = mark.position.lsn;
  const at = lsn ? `${mark.time} (WAL LSN ${lsn} for a PostgreSQL base backup)` : mark.time;
  options.onNotice?.(`--as-of mark:${mark.id} is ${at}, ${before}`);
  if (!lsn) return { ...options, asOf: mark.time };
  return { ...options, asOf: mark.time, sourceFlags: { ...options.sourceFlags, asOfLsn: lsn } };
}
