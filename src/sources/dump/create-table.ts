import type { Column } from '../../core/table.js';
import { readName, utf8 } from './names.js';

/**
 * The columns of a dump's CREATE TABLE statement (latin1 text of its bytes), with their types spelled the
 * way the engine's describe spells them: pg_dump prints format_type() with an empty search_path, as the
 * PostgreSQL engine reads it; mysqldump prints SHOW CREATE TABLE, whose types are COLUMN_TYPE with the
 * character set and collation after them.
 */
export function createTableColumns(statement: string, engine: 'postgres' | 'mysql'): Column[] | undefined {
  const open = statement.indexOf('(');
  const close = matchingParen(statement, open);
  if (open === -1 || close === -1) return undefined;
  const quote = engine === 'postgres' ? '"' : '`';
  const quotedAll = engine === 'postgres' && QUOTED_ALL.test(statement.slice(0, open));
  const columns: Column[] = [];
  for (const item of splitTopLevel(statement.slice(open + 1, close))) {
    const text = item.trim();
    if (!isColumn(text, engine)) continue;
    const name = readName(text, 0, quote);
    if (name?.parts.length !== 1) return undefined;
    const rest = text.slice(name.end).trim();
    const stop = firstKeyword(rest, engine === 'postgres' ? PG_STOP : MYSQL_STOP);
    const written = utf8(rest.slice(0, stop).trim());
    const type = quotedAll ? unquoteNeedless(written) : written;
    const attributes = rest.slice(stop);
    const generated = /\bGENERATED\s+ALWAYS\s+AS\s*\(|\bAS\s*\(/i.test(attributes)
      ? /\b(VIRTUAL)\b/i.test(attributes)
        ? 'virtual'
        : 'stored'
      : 'no';
    const identity = /\bAUTO_INCREMENT\b/i.test(attributes)
      ? 'auto-increment'
      : /\bGENERATED\s+ALWAYS\s+AS\s+IDENTITY/i.test(attributes)
        ? 'always'
        : /\bGENERATED\s+BY\s+DEFAULT\s+AS\s+IDENTITY/i.test(attributes)
          ? 'by-default'
          : 'no';
    const notNull = /\bNOT\s+NULL\b/i.test(attributes);
    columns.push({
      name: name.parts[0]!,
      type,
      nullable: !notNull,
      hasDefault: !notNull || /\bDEFAULT\b/i.test(attributes) || identity !== 'no',
      generated,
      identity,
    });
  }
  return columns.length ? columns : undefined;
}

/**
 * Whether an item of a CREATE TABLE is a column rather than a constraint or index. mysqldump quotes every
 * column name, unless --skip-quote-names, where it quotes only the names that need it (a reserved word
 * such as `key`), as pg_dump does: so only the constraint and index forms themselves are skipped (a
 * column named like their first word would be quoted). pg_dump's columns may be called `fulltext` or
 * `exclude`.
 */
function isColumn(item: string, engine: 'postgres' | 'mysql'): boolean {
  if (engine === 'mysql') {
    return (
      item.startsWith('`') ||
      !/^(CONSTRAINT\b|PRIMARY\s+KEY\b|UNIQUE\b|KEY\b|INDEX\b|FULLTEXT\b|SPATIAL\b|FOREIGN\s+KEY\b|CHECK\s*\(|PERIOD\s+FOR\b)/i.test(
        item,
      )
    );
  }
  return !/^(CONSTRAINT\s|PRIMARY\s+KEY\b|UNIQUE\b|CHECK\s*\(|FOREIGN\s+KEY\b|EXCLUDE\s*(USING\b|\()|LIKE\s)/i.test(
    item,
  );
}

const PG_STOP = [
  'NOT NULL',
  'NULL',
  'DEFAULT',
  'GENERATED',
  'COLLATE',
  'CONSTRAINT',
  'CHECK',
  'REFERENCES',
  'PRIMARY KEY',
  'UNIQUE',
];
const MYSQL_STOP = [
  'NOT NULL',
  'NULL',
  'DEFAULT',
  'AUTO_INCREMENT',
  'COMMENT',
  'CHARACTER SET',
  'CHARSET',
  'COLLATE',
  'GENERATED',
  'AS',
  'CHECK',
  'INVISIBLE',
  'ON UPDATE',
  'PRIMARY KEY',
  'UNIQUE',
  'KEY',
  'REFERENCES',
  'WITHOUT SYSTEM VERSIONING',
  'WITH SYSTEM VERSIONING',
];

/** Where the first attribute keyword starts, outside quotes and parentheses (the end of the type). */
function firstKeyword(text: string, keywords: string[]): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"' || ch === '`') {
      const end = text.indexOf(ch, i + 1);
      i = end === -1 ? text.length : end;
      continue;
    }
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && (i === 0 || /\s/.test(text[i - 1]!))) {
      for (const k of keywords) {
        const word = text.slice(i, i + k.length);
        if (word.toUpperCase() === k && !/[\w$]/.test(text[i + k.length] ?? ' ')) return i;
      }
    }
  }
  return text.length;
}

function matchingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length && open !== -1; i++) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"' || ch === '`') {
      i = skipQuoted(text, i);
      continue;
    }
    if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i;
  }
  return -1;
}

/** The index of the closing quote of the quoted text starting at `i` (doubled quotes and backslashes skipped). */
function skipQuoted(text: string, i: number): number {
  const quote = text[i]!;
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === '\\' && quote !== '"') j++;
    else if (text[j] === quote) {
      if (text[j + 1] === quote) j++;
      else return j;
    }
  }
  return text.length;
}

function splitTopLevel(body: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === "'" || ch === '"' || ch === '`') {
      i = skipQuoted(body, i);
      continue;
    }
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      items.push(body.slice(start, i));
      start = i + 1;
    }
  }
  items.push(body.slice(start));
  return items;
}

/**
 * pg_dump --quote-all-identifiers quotes the names in types too (`"text"`, `"public"."mood"`), where
 * format_type() quotes only a name that needs it. Its CREATE TABLE names a plain schema quoted.
 */
const QUOTED_ALL = /^\s*CREATE\s+(?:UNLOGGED\s+)?TABLE\s+"[a-z_][a-z0-9_$]*"\./i;

/** PostgreSQL keywords a name must be quoted to be (reserved, type or function names, column names). */
const KEYWORDS = new Set(
  `all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create
  current_catalog current_date current_role current_time current_timestamp current_user default deferrable
  desc distinct do else end except false fetch for foreign from grant group having in initially intersect
  into lateral leading limit localtime localtimestamp not null offset on only or order placing primary
  references returning select session_user some symmetric system_user table then to trailing true union
  unique user using variadic when where window with authorization binary collation concurrently cross
  current_schema freeze full ilike inner is isnull join left like natural notnull outer overlaps right
  similar tablesample verbose between bigint bit boolean char character coalesce dec decimal exists extract
  float greatest grouping inout int integer interval least national nchar none normalize nullif numeric
  out overlay position precision real row setof smallint substring time timestamp treat trim values
  varchar xmlattributes xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot
  xmlserialize xmltable`.split(/\s+/),
);

/** A type as format_type() prints it: quotes only around a name that needs them (`"char"`, `"user"`). */
function unquoteNeedless(type: string): string {
  return type.replace(/"([a-z_][a-z0-9_$]*)"/g, (quoted, name: string) =>
    KEYWORDS.has(name) ? quoted : name,
  );
}
