import { RowbackError } from '../core/errors.js';
import type { TableSchema } from '../core/table.js';
import type { RowStream, SessionProfile } from '../engines/engine.js';

/** What holds the rows, for the refusal: a dump file or a live server. */
export type ZeroDateOrigin = 'dump' | 'source';

/**
 * MySQL's zero dates (`0000-00-00`, `2024-00-10`) in a source (a dump, or a live server whose sql_mode let
 * them be written), against a target whose sql_mode refuses them (NO_ZERO_DATE, NO_ZERO_IN_DATE: MySQL 8's
 * default). The server would refuse (strict) or change them with a warning, in the middle of staging and
 * naming a staging row number; rowback checks the rows instead, stops passing them on at the first refused
 * value, reads on to count them all, and refuses naming each column and key. A target that accepts them
 * gets them exactly.
 */
export function refuseZeroDates(
  rows: RowStream,
  schema: TableSchema,
  columns: string[],
  profile: SessionProfile,
  origin: ZeroDateOrigin = 'dump',
): RowStream {
  const modes = (profile.sql_mode ?? '').toUpperCase().split(',');
  const refuses = { zero: modes.includes('NO_ZERO_DATE'), zeroIn: modes.includes('NO_ZERO_IN_DATE') };
  if (!refuses.zero && !refuses.zeroIn) return rows;
  const types = new Map(schema.columns.map((c) => [c.name, c.type]));
  const dates = columns
    .map((name, field) => ({ name, field }))
    .filter(({ name }) => /^(date|datetime|timestamp)\b/i.test(types.get(name) ?? ''));
  if (dates.length === 0) return rows;
  const key = (schema.key?.columns ?? []).map((name) => ({ name, field: columns.indexOf(name) }));
  return checked(rows, {
    dates,
    key,
    refuses,
    sqlMode: profile.sql_mode ?? '',
    table: schema.ref.name,
    origin,
  });
}

interface Field {
  name: string;
  field: number;
}

interface Check {
  dates: Field[];
  key: Field[];
  refuses: { zero: boolean; zeroIn: boolean };
  sqlMode: string;
  table: string;
  origin: ZeroDateOrigin;
}

/** Examples named in the refusal; the rest are counted. */
const EXAMPLES = 5;

async function* checked(rows: RowStream, check: Check): RowStream {
  const found: string[] = [];
  let count = 0;
  for await (const chunk of rows) {
    for (let start = 0; start < chunk.length; ) {
      let end = chunk.indexOf(0x0a, start);
      if (end === -1) end = chunk.length;
      const fields = splitRow(chunk.subarray(start, end));
      for (const { name, field } of check.dates) {
        const value = fields[field];
        if (value === undefined || !refused(value, check.refuses)) continue;
        count++;
        if (found.length < EXAMPLES) found.push(`${name} '${value}' at ${keyText(fields, check.key)}`);
      }
      start = end + 1;
    }
    if (count === 0) yield chunk;
  }
  if (count > 0) throw zeroDateError(check, found, count);
}

/** The fields of one row in the text row format, as text (dates and keys need no unescaping to be shown). */
function splitRow(row: Buffer): string[] {
  return row.toString('utf8').split('\t');
}

function refused(value: string, refuses: Check['refuses']): boolean {
  const date = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!date) return false;
  const [, year, month, day] = date;
  if (year === '0000' && month === '00' && day === '00') return refuses.zero;
  return (month === '00' || day === '00') && refuses.zeroIn;
}

function keyText(fields: string[], key: Field[]): string {
  if (key.length === 0) return 'a row without a key';
  return key.map(({ name, field }) => `${name}=${fields[field] ?? '?'}`).join(', ');
}

function zeroDateError(check: Check, found: string[], count: number): RowbackError {
  const flags = ['NO_ZERO_DATE', 'NO_ZERO_IN_DATE'].filter((m) =>
    check.sqlMode.toUpperCase().split(',').includes(m),
  );
  const kept = check.sqlMode
    .split(',')
    .filter((m) => m && !flags.includes(m.toUpperCase()))
    .join(',');
  const more = count > found.length ? `, and ${count - found.length} more` : '';
  return new RowbackError(
    'schema-mismatch',
    `The ${check.origin} holds ${count === 1 ? 'a date' : `${count} dates`} of ${check.table} that the target's sql_mode (${flags.join(', ')}) refuses: ${found.join('; ')}${more}. Nothing was written.`,
    {
      hint: `rowback writes values exactly, and the target refuses these zero dates (its application cannot write them either). To restore them as they were, let the target take them for the restore (SET GLOBAL sql_mode = '${kept}'), or ${check.origin === 'dump' ? 'change them in a copy of the dump' : 'change them on the source first (it holds a copy of the past, not the live data)'}.`,
      details: { count, sqlMode: check.sqlMode },
    },
  );
}
