import { type Charset, charsetNamed } from './charsets.js';
import { ColumnType } from './types.js';

/** What today's declared type of a column (`COLUMN_TYPE`, plus `CHARACTER SET x`) says about its values. */
export interface DeclaredType {
  /** The type's name, lower case: `int`, `varchar`, `enum`, … */
  base: string;
  unsigned: boolean;
  zerofill: number | undefined;
  /** Character set name, when declared (text, ENUM and SET columns). */
  charsetName: string | undefined;
  /** ENUM / SET members, as UTF-8. */
  members: Buffer[] | undefined;
  /** The first and second numbers in parentheses: `(10,2)`, `(6)`. */
  args: number[];
}

export function parseDeclaredType(type: string): DeclaredType {
  const base = (/^\s*(\w+)/.exec(type)?.[1] ?? '').toLowerCase();
  const members = base === 'enum' || base === 'set' ? parseMembers(type) : undefined;
  const after = members ? type.slice(type.lastIndexOf(')') + 1) : type;
  const args =
    /^\s*\w+\s*\(([\d\s,]+)\)/
      .exec(type)?.[1]
      ?.split(',')
      .map((n) => Number.parseInt(n, 10)) ?? [];
  return {
    base,
    unsigned: /\bunsigned\b/i.test(after),
    zerofill: /\bzerofill\b/i.test(after) ? (args[0] ?? undefined) : undefined,
    charsetName: /\bCHARACTER SET (\w+)/i.exec(after)?.[1],
    members,
    args,
  };
}

/** ENUM('a','it''s','a\\b') → its members: quotes doubled, backslashes escaped, as COLUMN_TYPE writes them. */
function parseMembers(type: string): Buffer[] {
  const out: Buffer[] = [];
  const open = type.indexOf('(');
  let i = open + 1;
  while (i < type.length) {
    const ch = type[i]!;
    if (ch === ')') break;
    if (ch !== "'") {
      i++;
      continue;
    }
    let text = '';
    for (i++; i < type.length; i++) {
      const c = type[i]!;
      if (c === "'" && type[i + 1] === "'") {
        text += "'";
        i++;
      } else if (c === "'") {
        i++;
        break;
      } else if (c === '\\' && i + 1 < type.length) {
        const next = type[++i]!;
        text +=
          next === '0' ? '\0' : next === 'n' ? '\n' : next === 'r' ? '\r' : next === 'Z' ? '\x1a' : next;
      } else {
        text += c;
      }
    }
    out.push(Buffer.from(text, 'utf8'));
  }
  return out;
}

/** Binary columns have no character set of their own; their bytes are the value. */
const BINARY_BASES = new Set([
  'binary',
  'varbinary',
  'tinyblob',
  'blob',
  'mediumblob',
  'longblob',
  'bit',
  'geometry',
]);

/** The character set rowback converts today's column with, or undefined when it cannot. */
export function declaredCharset(declared: DeclaredType): Charset | undefined {
  if (declared.charsetName) return charsetNamed(declared.charsetName);
  return BINARY_BASES.has(declared.base) || isSpatial(declared.base) ? 'binary' : 'utf8';
}

function isSpatial(base: string): boolean {
  return /^(geometry|point|linestring|polygon|multipoint|multilinestring|multipolygon|geometrycollection|geomcollection)$/.test(
    base,
  );
}

/** The real binlog types a column declared as `base` can be logged with. */
export function loggedTypes(base: string): number[] {
  switch (base) {
    case 'tinyint':
    case 'bool':
    case 'boolean':
      return [ColumnType.TINY];
    case 'smallint':
      return [ColumnType.SHORT];
    case 'mediumint':
      return [ColumnType.INT24];
    case 'int':
    case 'integer':
      return [ColumnType.LONG];
    case 'bigint':
      return [ColumnType.LONGLONG];
    case 'float':
      return [ColumnType.FLOAT];
    case 'double':
    case 'real':
      return [ColumnType.DOUBLE];
    case 'decimal':
    case 'numeric':
    case 'dec':
    case 'fixed':
      return [ColumnType.NEWDECIMAL];
    case 'date':
      return [ColumnType.DATE, ColumnType.NEWDATE];
    case 'datetime':
      return [ColumnType.DATETIME2, ColumnType.DATETIME];
    case 'timestamp':
      return [ColumnType.TIMESTAMP2, ColumnType.TIMESTAMP];
    case 'time':
      return [ColumnType.TIME2, ColumnType.TIME];
    case 'year':
      return [ColumnType.YEAR];
    case 'bit':
      return [ColumnType.BIT];
    case 'char':
    case 'binary':
      return [ColumnType.STRING];
    case 'varchar':
    case 'varbinary':
      return [ColumnType.VARCHAR, ColumnType.VAR_STRING];
    case 'enum':
      return [ColumnType.ENUM];
    case 'set':
      return [ColumnType.SET];
    case 'json':
      return [ColumnType.JSON, ColumnType.BLOB];
    case 'tinytext':
    case 'text':
    case 'mediumtext':
    case 'longtext':
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
      return [ColumnType.BLOB];
    default:
      return isSpatial(base) ? [ColumnType.GEOMETRY] : [];
  }
}
