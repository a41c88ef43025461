import type { Column, TableSchema } from '../../core/table.js';
import { type Charset, charsetNamed, SUPPORTED_CHARSETS, utf8Of } from './charsets.js';
import { declaredCharset, loggedTypes, parseDeclaredType } from './column-types.js';
import { type ColumnFacts, codecFor, UnsupportedColumn } from './columns.js';
import type { Projection } from './rows.js';
import { isCharacter, type MappedColumn, type TableMap } from './table-map.js';
import { ColumnType, typeName } from './types.js';

/** The table today and what rowback asks of the events: these columns in this order, keyed by `key`. */
export interface Wanted {
  table: TableSchema;
  columns: string[];
  key: string[];
  /** Collation id → character set name, as the server lists them. */
  collations: Map<number, string>;
  /**
   * Today's columns' defaults as row text (lower-case names), for rows logged before a column was added;
   * a string says why a column has none rowback can use (no default, an expression).
   */
  defaults?: Map<string, Buffer | string>;
  /** Told how rows of an older shape were matched to today's columns (once per distinct TABLE_MAP). */
  onMapped?: (note: string) => void;
}

/** A TABLE_MAP whose columns cannot be matched with today's table without guessing. */
export class Unmatched extends Error {}

/**
 * How the columns of a TABLE_MAP become the columns asked for. With FULL metadata the event names its
 * columns: they are matched by name (a column dropped since is skipped; one added since has no value in
 * the event). Without it, columns are matched by position, which is only right while the table has the
 * same columns as today: the count and every type must agree, else the event is refused.
 */
export function projectionFor(map: TableMap, wanted: Wanted): Projection {
  const today = wanted.table.columns;
  const byName = new Map(today.map((c) => [c.name.toLowerCase(), c]));
  const matched: (Column | undefined)[] = [];
  if (map.metadata === 'full') {
    for (const column of map.columns) matched.push(byName.get((column.name ?? '').toLowerCase()));
  } else {
    if (map.columns.length !== today.length) {
      throw new Unmatched(
        `${map.schema}.${map.table} had ${map.columns.length} columns when this event was logged and has ${today.length} today`,
      );
    }
    map.columns.forEach((column, i) => {
      const declared = parseDeclaredType(today[i]!.type);
      if (!loggedTypes(declared.base).includes(column.realType)) {
        throw new Unmatched(
          `column ${i + 1} of ${map.schema}.${map.table} was logged as ${typeName(column.realType)}, but today it is ${today[i]!.name} ${declared.base}`,
        );
      }
      matched.push(today[i]);
    });
  }
  const slotOf = new Map(wanted.columns.map((name, i) => [name.toLowerCase(), i]));
  const slots = new Int32Array(map.columns.length);
  const codecs = map.columns.map((column, i) => {
    const todayColumn = matched[i];
    slots[i] = todayColumn ? (slotOf.get(todayColumn.name.toLowerCase()) ?? -1) : -1;
    return codecFor(column, facts(column, todayColumn, map, wanted.collations));
  });
  const filled = new Set(Array.from(slots).filter((s) => s >= 0));
  const missing = wanted.columns.filter((_, i) => !filled.has(i));
  const missingKey = wanted.key.filter((k) => missing.includes(k));
  if (missingKey.length > 0) {
    throw new Unmatched(
      `the key column(s) ${missingKey.join(', ')} are not in ${map.schema}.${map.table}'s events`,
    );
  }
  const fixed = wanted.columns.map((name) =>
    missing.includes(name) ? defaultOf(name, map, wanted) : undefined,
  );
  const dropped = map.columns.filter((c, i) => c.name !== undefined && !matched[i]).map((c) => c.name!);
  if (missing.length > 0 || dropped.length > 0) {
    wanted.onMapped?.(
      [
        dropped.length ? `column(s) ${dropped.join(', ')} dropped since: ignored` : '',
        missing.length ? `column(s) ${missing.join(', ')} added since: their default` : '',
      ]
        .filter(Boolean)
        .join('; '),
    );
  }
  return {
    codecs,
    slots,
    slotCount: wanted.columns.length,
    keySlots: wanted.key.map((k) => slotOf.get(k.toLowerCase())!),
    fixed,
  };
}

/** The row text an added column has in rows logged before it existed: its default, or a refusal. */
function defaultOf(name: string, map: TableMap, wanted: Wanted): Buffer {
  const value = wanted.defaults?.get(name.toLowerCase());
  if (value instanceof Buffer) return value;
  throw new Unmatched(
    `column ${name} was added to ${map.schema}.${map.table} after rows it must rebuild were logged, and ${value ?? 'its default is not known'}`,
  );
}

function facts(
  column: MappedColumn,
  today: Column | undefined,
  map: TableMap,
  collations: Map<number, string>,
): ColumnFacts {
  const declared = today ? parseDeclaredType(today.type) : undefined;
  const label = `${map.schema}.${map.table}.${column.name ?? today?.name ?? '?'}`;
  let charset: Charset | undefined = 'binary';
  if (column.collation !== undefined) {
    const name = collations.get(column.collation);
    charset = name === undefined ? undefined : charsetNamed(name);
    if (!charset) {
      throw new UnsupportedColumn(
        `${label} uses character set ${name ?? `#${column.collation}`}; rowback converts ${SUPPORTED_CHARSETS}`,
      );
    }
  } else if (
    declared &&
    (isCharacter(column) || column.realType === ColumnType.ENUM || column.realType === ColumnType.SET)
  ) {
    charset = declaredCharset(declared);
    if (!charset) {
      throw new UnsupportedColumn(
        `${label} uses character set ${declared.charsetName}; rowback converts ${SUPPORTED_CHARSETS}`,
      );
    }
  }
  const members = column.members
    ? column.members.map((m) => Buffer.from(utf8Of(charset ?? 'utf8', m)))
    : declared?.members;
  const fsp = declared && isClassicTemporal(column.realType) ? (declared.args[0] ?? 0) : undefined;
  // A DECIMAL(M,D) ZEROFILL is padded to M digits plus the point.
  const zerofill =
    declared?.zerofill !== undefined && column.realType === ColumnType.NEWDECIMAL
      ? declared.zerofill + ((declared.args[1] ?? 0) > 0 ? 1 : 0)
      : declared?.zerofill;
  return {
    unsigned: column.unsigned ?? declared?.unsigned ?? false,
    charset: charset ?? 'binary',
    ...(members ? { members } : {}),
    ...(fsp === undefined ? {} : { fsp }),
    ...(zerofill === undefined || isFloat(column.realType) ? {} : { zerofill }),
  };
}

function isFloat(type: number): boolean {
  return type === ColumnType.FLOAT || type === ColumnType.DOUBLE;
}

function isClassicTemporal(type: number): boolean {
  return type === ColumnType.TIME || type === ColumnType.DATETIME || type === ColumnType.TIMESTAMP;
}
