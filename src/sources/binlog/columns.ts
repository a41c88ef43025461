import { type Charset, writeText } from './charsets.js';
import { decimalLength, writeDecimal } from './decimal.js';
import { doubleText } from './float-text.js';
import { jsonText } from './json-binary.js';
import type { MappedColumn } from './table-map.js';
import * as temporal from './temporal.js';
import type { TextOut } from './text-out.js';
import { ColumnType, typeName } from './types.js';

/**
 * What the rows alone do not say about a column, taken from the TABLE_MAP's FULL metadata when present,
 * else from the table as it is today (safe only while no DDL touched it since).
 */
export interface ColumnFacts {
  unsigned: boolean;
  charset: Charset;
  /** ENUM / SET members as UTF-8 text, in order. */
  members?: Buffer[];
  /** Fractional digits of a TIME / DATETIME / TIMESTAMP stored in MariaDB's own format (classic type codes). */
  fsp?: number;
  /** ZEROFILL display width (integers and DECIMAL; FLOAT and DOUBLE are read unpadded, see below). */
  zerofill?: number;
}

/** Writes one value of a column as row text, or steps over it; both return where the next value starts. */
export interface ColumnCodec {
  write(src: Buffer, at: number, out: TextOut): number;
  skip(src: Buffer, at: number): number;
}

/** The column cannot be decoded exactly (an unknown type, a character set rowback cannot convert). */
export class UnsupportedColumn extends Error {}

/** Builds the codec for one mapped column. */
export function codecFor(column: MappedColumn, facts: ColumnFacts): ColumnCodec {
  const { type, meta } = column;
  switch (column.realType) {
    case ColumnType.TINY:
      return integer(1, facts);
    case ColumnType.SHORT:
      return integer(2, facts);
    case ColumnType.INT24:
      return integer(3, facts);
    case ColumnType.LONG:
      return integer(4, facts);
    case ColumnType.LONGLONG:
      return bigInteger(facts);
    // As the MySQL engine reads them, through CAST(col AS DOUBLE): the column's own text rounds FLOAT to
    // 6 digits and FLOAT(M,D) / DOUBLE(M,D) to D decimals; a FLOAT widens to a double exactly.
    case ColumnType.FLOAT:
      return fixedWidth(4, (src, at) => doubleText(src.readFloatLE(at)));
    case ColumnType.DOUBLE:
      return fixedWidth(8, (src, at) => doubleText(src.readDoubleLE(at)));
    case ColumnType.NEWDECIMAL: {
      const precision = meta >> 8;
      const scale = meta & 0xff;
      const length = decimalLength(precision, scale);
      if (facts.zerofill === undefined) {
        return {
          write: (src, at, out) => writeDecimal(src, at, precision, scale, out),
          skip: (_src, at) => at + length,
        };
      }
      const width = facts.zerofill;
      return {
        write(src, at, out) {
          const start = out.length;
          const next = writeDecimal(src, at, precision, scale, out);
          const text = out.buf.toString('latin1', start, out.length);
          out.length = start;
          out.ascii(zerofilled(text, width));
          return next;
        },
        skip: (_src, at) => at + length,
      };
    }
    case ColumnType.YEAR:
      return { write: temporal.writeYear, skip: (_s, at) => at + 1 };
    case ColumnType.DATE:
    case ColumnType.NEWDATE:
      return { write: temporal.writeDate, skip: (_s, at) => at + 3 };
    case ColumnType.TIMESTAMP2:
      return {
        write: (s, at, out) => temporal.writeTimestamp2(s, at, meta, out),
        skip: (_s, at) => at + 4 + temporal.fractionBytes(meta),
      };
    case ColumnType.DATETIME2:
      return {
        write: (s, at, out) => temporal.writeDatetime2(s, at, meta, out),
        skip: (_s, at) => at + 5 + temporal.fractionBytes(meta),
      };
    case ColumnType.TIME2:
      return {
        write: (s, at, out) => temporal.writeTime2(s, at, meta, out),
        skip: (_s, at) => at + 3 + temporal.fractionBytes(meta),
      };
    case ColumnType.TIMESTAMP:
    case ColumnType.DATETIME:
    case ColumnType.TIME:
      return classicTemporal(column.realType, facts.fsp ?? 0);
    case ColumnType.BIT: {
      const length = ((meta & 0xff) * 8 + (meta >> 8) + 7) >> 3;
      return {
        write(s, at, out) {
          out.escaped(s, at, at + length);
          return at + length;
        },
        skip: (_s, at) => at + length,
      };
    }
    case ColumnType.ENUM:
      return enumCodec(meta & 0xff, facts);
    case ColumnType.SET:
      return setCodec(meta & 0xff, facts);
    case ColumnType.STRING:
      return charCodec(meta, facts);
    case ColumnType.VARCHAR:
    case ColumnType.VAR_STRING:
      return prefixed(meta < 256 ? 1 : 2, facts.charset);
    case ColumnType.BLOB:
    case ColumnType.GEOMETRY:
      return prefixed(meta, facts.charset);
    case ColumnType.JSON:
      return jsonCodec(meta);
    default:
      throw new UnsupportedColumn(`columns of binlog type ${typeName(type)} cannot be decoded`);
  }
}

function fixedWidth(width: number, text: (src: Buffer, at: number) => string): ColumnCodec {
  return {
    write(src, at, out) {
      out.ascii(text(src, at));
      return at + width;
    },
    skip: (_src, at) => at + width,
  };
}

function zerofilled(text: string, width: number | undefined): string {
  return width === undefined || text.length >= width ? text : text.padStart(width, '0');
}

function integer(width: number, facts: ColumnFacts): ColumnCodec {
  const read = facts.unsigned
    ? (src: Buffer, at: number) => src.readUIntLE(at, width)
    : (src: Buffer, at: number) => src.readIntLE(at, width);
  if (facts.zerofill !== undefined) {
    return fixedWidth(width, (src, at) => zerofilled(String(read(src, at)), facts.zerofill));
  }
  return {
    write(src, at, out) {
      out.integer(read(src, at));
      return at + width;
    },
    skip: (_src, at) => at + width,
  };
}

function bigInteger(facts: ColumnFacts): ColumnCodec {
  return {
    write(src, at, out) {
      // Most values fit in 2^53 and are written without a BigInt.
      const high = facts.unsigned ? src.readUInt32LE(at + 4) : src.readInt32LE(at + 4);
      if (facts.zerofill === undefined && high < 0x200000 && high >= -0x200000) {
        out.integer(high * 0x100000000 + src.readUInt32LE(at));
      } else {
        const v = facts.unsigned ? src.readBigUInt64LE(at) : src.readBigInt64LE(at);
        out.ascii(zerofilled(v.toString(), facts.zerofill));
      }
      return at + 8;
    },
    skip: (_src, at) => at + 8,
  };
}

function classicTemporal(type: number, fsp: number): ColumnCodec {
  const kind = type === ColumnType.TIME ? 'time' : type === ColumnType.DATETIME ? 'datetime' : 'timestamp';
  if (fsp > 0) {
    const length = temporal.hiresLength(kind, fsp);
    const write =
      kind === 'time'
        ? temporal.writeHiresTime
        : kind === 'datetime'
          ? temporal.writeHiresDatetime
          : temporal.writeHiresTimestamp;
    return { write: (s, at, out) => write(s, at, fsp, out), skip: (_s, at) => at + length };
  }
  if (kind === 'time') return { write: temporal.writeTime, skip: (_s, at) => at + 3 };
  if (kind === 'datetime') return { write: temporal.writeDatetime, skip: (_s, at) => at + 8 };
  return { write: temporal.writeTimestamp, skip: (_s, at) => at + 4 };
}

function members(facts: ColumnFacts, what: string): Buffer[] {
  if (!facts.members) throw new UnsupportedColumn(`the members of this ${what} column are not known`);
  return facts.members;
}

/** ENUM: the member's index (1-based) in 1 or 2 bytes; 0 is the empty "invalid" value. */
function enumCodec(width: number, facts: ColumnFacts): ColumnCodec {
  const list = members(facts, 'ENUM');
  return {
    write(src, at, out) {
      const index = width === 1 ? src[at]! : src.readUInt16LE(at);
      const member = list[index - 1];
      if (member) out.escaped(member, 0, member.length);
      return at + width;
    },
    skip: (_src, at) => at + width,
  };
}

/** SET: one bit per member in `width` little-endian bytes, written as the members joined by commas. */
function setCodec(width: number, facts: ColumnFacts): ColumnCodec {
  const list = members(facts, 'SET');
  return {
    write(src, at, out) {
      let first = true;
      for (let i = 0; i < list.length && i < width * 8; i++) {
        if ((src[at + (i >> 3)]! & (1 << (i & 7))) === 0) continue;
        if (!first) out.byte(0x2c);
        first = false;
        out.escaped(list[i]!, 0, list[i]!.length);
      }
      return at + width;
    },
    skip: (_src, at) => at + width,
  };
}

/** CHAR / BINARY: a 1- or 2-byte length, then the bytes; BINARY is padded back with the NULs the row drops. */
function charCodec(meta: number, facts: ColumnFacts): ColumnCodec {
  const byte0 = meta >> 8;
  const maxLength = (meta & 0xff) | (((byte0 & 0x30) ^ 0x30) << 4);
  const prefix = maxLength < 256 ? 1 : 2;
  const readLength = (src: Buffer, at: number) => (prefix === 1 ? src[at]! : src.readUInt16LE(at));
  return {
    write(src, at, out) {
      const length = readLength(src, at);
      const start = at + prefix;
      writeText(facts.charset, src, start, start + length, out);
      if (facts.charset === 'binary' && length < maxLength) {
        out.ensure(maxLength - length);
        out.buf.fill(0, out.length, out.length + maxLength - length);
        out.length += maxLength - length;
      }
      return start + length;
    },
    skip: (src, at) => at + prefix + readLength(src, at),
  };
}

/** VARCHAR, BLOB, TEXT, GEOMETRY: a little-endian length of `prefix` bytes, then the bytes. */
function prefixed(prefix: number, charset: Charset): ColumnCodec {
  const readLength = (src: Buffer, at: number) => src.readUIntLE(at, prefix);
  return {
    write(src, at, out) {
      const length = readLength(src, at);
      const start = at + prefix;
      writeText(charset, src, start, start + length, out);
      return start + length;
    },
    skip: (src, at) => at + prefix + readLength(src, at),
  };
}

/** MySQL's binary JSON, printed as MySQL prints it. */
function jsonCodec(prefix: number): ColumnCodec {
  const readLength = (src: Buffer, at: number) => src.readUIntLE(at, prefix);
  return {
    write(src, at, out) {
      const length = readLength(src, at);
      const start = at + prefix;
      const text = jsonText(src, start, start + length);
      out.escaped(text, 0, text.length);
      return start + length;
    },
    skip: (src, at) => at + prefix + readLength(src, at),
  };
}
