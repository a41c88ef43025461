import { Cursor } from './bytes.js';
import { ColumnType, isNumeric, metadataLength } from './types.js';

/** One column as a TABLE_MAP event describes it. */
export interface MappedColumn {
  /** The type code the rows carry (STRING for CHAR, ENUM and SET columns). */
  type: number;
  /** ENUM, SET or STRING for a STRING column (from its metadata); `type` otherwise. */
  realType: number;
  /** The type's metadata: lengths, precision and scale, fractional digits (see `metadataLength`). */
  meta: number;
  nullable: boolean;
  /** With binlog_row_metadata=FULL. */
  name?: string;
  /** Numeric columns, with binlog_row_metadata=MINIMAL or FULL. */
  unsigned?: boolean;
  /** Character, ENUM and SET columns, with MINIMAL or FULL: the collation id. */
  collation?: number;
  /** ENUM and SET members as stored (in the column's character set), with FULL. */
  members?: Buffer[];
}

/** How much the event says about its columns: `full` names them (binlog_row_metadata=FULL). */
export type MetadataLevel = 'none' | 'minimal' | 'full';

/** A TABLE_MAP event: which table a table id stands for, and its columns as the rows encode them. */
export interface TableMap {
  tableId: number;
  schema: string;
  table: string;
  columns: MappedColumn[];
  metadata: MetadataLevel;
  /** Primary key column indexes, with FULL. */
  primaryKey?: number[];
}

enum Optional {
  SIGNEDNESS = 1,
  DEFAULT_CHARSET = 2,
  COLUMN_CHARSET = 3,
  COLUMN_NAME = 4,
  SET_STR_VALUE = 5,
  ENUM_STR_VALUE = 6,
  GEOMETRY_TYPE = 7,
  SIMPLE_PRIMARY_KEY = 8,
  PRIMARY_KEY_WITH_PREFIX = 9,
  ENUM_AND_SET_DEFAULT_CHARSET = 10,
  ENUM_AND_SET_COLUMN_CHARSET = 11,
}

/** The table id alone, without decoding the rest: rows events of other tables are skipped by it. */
export function tableIdOf(body: Buffer, postHeader: number): number {
  return postHeader === 6 ? body.readUInt32LE(0) : body.readUIntLE(0, 6);
}

/**
 * Decodes a TABLE_MAP body (after the common header, without checksum). `mariadb`: the event was written by
 * MariaDB, whose SIGNEDNESS bits also cover YEAR columns.
 */
export function readTableMap(body: Buffer, postHeader: number, mariadb: boolean): TableMap {
  const c = new Cursor(body);
  const tableId = tableIdOf(body, postHeader);
  c.pos = postHeader;
  const schema = c.shortText();
  c.u8(); // NUL
  const table = c.shortText();
  c.u8(); // NUL
  const count = c.packed();
  const types = c.bytes(count);
  const metaBlock = new Cursor(c.packedText());
  const nulls = c.bytes((count + 7) >> 3);
  const columns: MappedColumn[] = [];
  for (let i = 0; i < count; i++) {
    const type = types[i]!;
    const meta = readMeta(metaBlock, type);
    columns.push({
      type,
      realType: realTypeOf(type, meta),
      meta,
      nullable: (nulls[i >> 3]! & (1 << (i & 7))) !== 0,
    });
  }
  const map: TableMap = { tableId, schema, table, columns, metadata: 'none' };
  if (c.left > 0) readOptional(c, map, mariadb);
  return map;
}

function readMeta(c: Cursor, type: number): number {
  switch (metadataLength(type)) {
    case 1:
      return c.u8();
    case 2:
      // STRING, ENUM, SET and BIT: two separate bytes, the first in the high half; VARCHAR: little-endian.
      if (
        type === ColumnType.VARCHAR ||
        type === ColumnType.VAR_STRING ||
        type === ColumnType.VARCHAR_COMPRESSED
      )
        return c.u16();
      return (c.u8() << 8) | c.u8();
    default:
      return 0;
  }
}

/** CHAR, ENUM and SET all travel as STRING; the first metadata byte says which (with length bits mixed in). */
function realTypeOf(type: number, meta: number): number {
  if (type !== ColumnType.STRING || meta < 256) return type;
  const byte0 = meta >> 8;
  return (byte0 & 0x30) !== 0x30 ? byte0 | 0x30 : byte0;
}

/** Character columns (their collation is in DEFAULT_CHARSET / COLUMN_CHARSET), by their real type. */
export function isCharacter(column: MappedColumn): boolean {
  switch (column.realType) {
    case ColumnType.STRING:
    case ColumnType.VAR_STRING:
    case ColumnType.VARCHAR:
    case ColumnType.BLOB:
    case ColumnType.GEOMETRY:
      return true;
    default:
      return false;
  }
}

function isEnumOrSet(column: MappedColumn): boolean {
  return column.realType === ColumnType.ENUM || column.realType === ColumnType.SET;
}

/** The optional metadata fields (MySQL 8.0.1+, MariaDB 10.5+): type, packed length, value. */
function readOptional(c: Cursor, map: TableMap, mariadb: boolean): void {
  map.metadata = 'minimal';
  while (c.left > 0) {
    const type = c.u8();
    const field = new Cursor(c.bytes(c.packed()));
    switch (type) {
      case Optional.SIGNEDNESS:
        readSignedness(field, map.columns, mariadb);
        break;
      case Optional.DEFAULT_CHARSET:
        readDefaultCollations(field, map.columns.filter(isCharacter));
        break;
      case Optional.COLUMN_CHARSET:
        readColumnCollations(field, map.columns.filter(isCharacter));
        break;
      case Optional.ENUM_AND_SET_DEFAULT_CHARSET:
        readDefaultCollations(field, map.columns.filter(isEnumOrSet));
        break;
      case Optional.ENUM_AND_SET_COLUMN_CHARSET:
        readColumnCollations(field, map.columns.filter(isEnumOrSet));
        break;
      case Optional.COLUMN_NAME:
        map.metadata = 'full';
        for (const column of map.columns) column.name = field.packedText().toString('utf8');
        break;
      case Optional.SET_STR_VALUE:
        readMembers(field, map.columns, ColumnType.SET);
        break;
      case Optional.ENUM_STR_VALUE:
        readMembers(field, map.columns, ColumnType.ENUM);
        break;
      case Optional.SIMPLE_PRIMARY_KEY:
        map.primaryKey = [];
        while (field.left > 0) map.primaryKey.push(field.packed());
        break;
      case Optional.PRIMARY_KEY_WITH_PREFIX:
        map.primaryKey = [];
        while (field.left > 0) {
          map.primaryKey.push(field.packed());
          field.packed(); // prefix length: a prefix key is no key for rowback
        }
        break;
      default:
        // GEOMETRY_TYPE, COLUMN_VISIBILITY and later additions say nothing the values need.
        break;
    }
  }
}

function readSignedness(field: Cursor, columns: MappedColumn[], mariadb: boolean): void {
  let bit = 0;
  for (const column of columns) {
    if (!isNumeric(column.type) && !(mariadb && column.type === ColumnType.YEAR)) continue;
    const byte = field.buf[field.pos + (bit >> 3)];
    if (byte === undefined) break;
    column.unsigned = (byte & (0x80 >> (bit & 7))) !== 0;
    bit++;
  }
}

function readDefaultCollations(field: Cursor, columns: MappedColumn[]): void {
  const fallback = field.packed();
  for (const column of columns) column.collation = fallback;
  while (field.left > 0) {
    const index = field.packed();
    const collation = field.packed();
    const column = columns[index];
    if (column) column.collation = collation;
  }
}

function readColumnCollations(field: Cursor, columns: MappedColumn[]): void {
  for (const column of columns) {
    if (field.left === 0) break;
    column.collation = field.packed();
  }
}

function readMembers(field: Cursor, columns: MappedColumn[], realType: number): void {
  for (const column of columns) {
    if (column.realType !== realType) continue;
    if (field.left === 0) break;
    const count = field.packed();
    const members: Buffer[] = [];
    for (let i = 0; i < count; i++) members.push(Buffer.from(field.packedText()));
    column.members = members;
  }
}
