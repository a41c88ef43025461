import { RowbackError } from '../../core/errors.js';
import type { TableSchema } from '../../core/table.js';
import type { TableHistory } from './read.js';
import type { TableStatement } from './scan.js';

/**
 * What the history read from the binlog allows: refuses what would rebuild the table wrongly (rows
 * changed by statements rather than logged as rows, a TRUNCATE or DROP that logs no rows, a rename or a
 * re-creation, an ALTER the events cannot be matched across) and returns what the user should know.
 */
export function checkHistory(history: TableHistory, table: TableSchema, backout?: string): string[] {
  const name = `${table.ref.schema}.${table.ref.name}`;
  const byKind = (kind: TableStatement['kind']) => history.statements.filter((s) => s.kind === kind);
  const where = (list: TableStatement[]) =>
    list
      .slice(0, 3)
      .map((s) => `${s.at.file}:${s.at.position} (${s.text.replace(/\s+/g, ' ').slice(0, 80)})`)
      .join('; ');
  const writes = byKind('write');
  if (writes.length > 0) {
    throw new RowbackError(
      'unsupported',
      `${name} was changed by ${writes.length} statement(s) logged as SQL text, not as rows, since the moment: ${where(writes)}.`,
      {
        hint: "Their rows are not in the binlog. Run the server with binlog_format=ROW (SET GLOBAL binlog_format = 'ROW' and in its configuration); until then restore from a dump or an instance backup.",
      },
    );
  }
  const erased = [...byKind('truncate'), ...byKind('drop')];
  if (erased.length > 0) {
    throw new RowbackError(
      'unsupported',
      `${name} was emptied by TRUNCATE or DROP since the moment: ${where(erased)}. Those log no rows, so the binlog cannot give them back.`,
      { hint: 'Restore from a dump (--from ./dump.sql) or a point-in-time instance (--from mysql://…).' },
    );
  }
  const moved = [...byKind('rename'), ...byKind('create')];
  if (moved.length > 0) {
    throw new RowbackError(
      'unsupported',
      `${name} was renamed, created or re-created since the moment: ${where(moved)}. Its earlier rows were logged under another table.`,
      { hint: 'Restore from a dump or a point-in-time instance, or pick a moment after that statement.' },
    );
  }
  const notes = [
    `Read the binlog from ${history.from.file} to ${history.to ? `${history.to.file}:${history.to.position}` : 'its end'}: ${history.writer.changes} change(s) of ${name}; ${backout === undefined ? `as of ${history.asOf.described}` : `backing out ${backout}`}.`,
  ];
  const altered = byKind('alter');
  if (altered.length > 0) {
    if (!history.metadata.has('full') || history.metadata.size > 1) {
      throw new RowbackError(
        'schema-mismatch',
        `${name} was altered since the moment (${where(altered)}), and its events do not name their columns.`,
        {
          hint: "With binlog_row_metadata=FULL (SET GLOBAL binlog_row_metadata = 'FULL') each event names its columns and rowback maps old rows onto today's columns; for this history restore from a dump or a point-in-time instance.",
        },
      );
    }
    notes.push(
      `${name} was altered since the moment (${where(altered)}); the events name their columns (binlog_row_metadata=FULL), so older rows were matched to today's columns by name.`,
    );
  }
  return notes;
}
