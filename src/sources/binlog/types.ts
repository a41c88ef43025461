/** Column type codes as a TABLE_MAP event writes them (MySQL's `enum_field_types`, MariaDB's additions). */
export const ColumnType = {
  DECIMAL: 0,
  TINY: 1,
  SHORT: 2,
  LONG: 3,
  FLOAT: 4,
  DOUBLE: 5,
  NULL: 6,
  TIMESTAMP: 7,
  LONGLONG: 8,
  INT24: 9,
  DATE: 10,
  TIME: 11,
  DATETIME: 12,
  YEAR: 13,
  NEWDATE: 14,
  VARCHAR: 15,
  BIT: 16,
  TIMESTAMP2: 17,
  DATETIME2: 18,
  TIME2: 19,
  /** MariaDB: a VARCHAR with column compression. */
  VARCHAR_COMPRESSED: 140,
  /** MariaDB: a BLOB/TEXT with column compression. */
  BLOB_COMPRESSED: 141,
  VECTOR: 242,
  JSON: 245,
  NEWDECIMAL: 246,
  ENUM: 247,
  SET: 248,
  TINY_BLOB: 249,
  MEDIUM_BLOB: 250,
  LONG_BLOB: 251,
  BLOB: 252,
  VAR_STRING: 253,
  STRING: 254,
  GEOMETRY: 255,
} as const;

/** Names for messages. */
export function typeName(type: number): string {
  for (const [name, code] of Object.entries(ColumnType)) if (code === type) return name;
  return `type ${type}`;
}

/** How many metadata bytes a TABLE_MAP event stores for a column of this type. */
export function metadataLength(type: number): number {
  switch (type) {
    case ColumnType.FLOAT:
    case ColumnType.DOUBLE:
    case ColumnType.BLOB:
    case ColumnType.TINY_BLOB:
    case ColumnType.MEDIUM_BLOB:
    case ColumnType.LONG_BLOB:
    case ColumnType.GEOMETRY:
    case ColumnType.JSON:
    case ColumnType.BLOB_COMPRESSED:
    case ColumnType.TIMESTAMP2:
    case ColumnType.DATETIME2:
    case ColumnType.TIME2:
    case ColumnType.VECTOR:
      return 1;
    case ColumnType.VARCHAR:
    case ColumnType.VAR_STRING:
    case ColumnType.VARCHAR_COMPRESSED:
    case ColumnType.BIT:
    case ColumnType.NEWDECIMAL:
    case ColumnType.STRING:
    case ColumnType.ENUM:
    case ColumnType.SET:
      return 2;
    default:
      return 0;
  }
}

/** Numeric types: the SIGNEDNESS metadata has one bit for each, in column order. */
export function isNumeric(type: number): boolean {
  switch (type) {
    case ColumnType.TINY:
    case ColumnType.SHORT:
    case ColumnType.INT24:
    case ColumnType.LONG:
    case ColumnType.LONGLONG:
    case ColumnType.NEWDECIMAL:
    case ColumnType.FLOAT:
    case ColumnType.DOUBLE:
      return true;
    default:
      return false;
  }
}
