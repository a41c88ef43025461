import type { Dialect } from './guard.js';

const isMysql = (dialect: Dialect) => dialect === 'mysql' || dialect === 'mariadb';

/**
 * Where statements end in console input: at a `;` outside string literals, quoted identifiers, comments
 * and (PostgreSQL) dollar-quoted bodies. Used to know when a typed statement is complete and to cut a line
 * into statements for the parsers that take one at a time; it decides nothing about safety.
 */
export interface Piece {
  /** The statement's text, without its `;`. */
  text: string;
  /** Offset of `text` in the input. */
  start: number;
}

export interface Split {
  /** Statements ended by `;`. */
  complete: Piece[];
  /** Text after the last `;` (may be only blanks and comments). */
  rest: Piece;
}

/** Cuts `input` at each `;` that ends a statement. */
export function splitStatements(input: string, dialect: Dialect): Split {
  const complete: Piece[] = [];
  let start = 0;
  let i = 0;
  while (i < input.length) {
    const skipped = skipQuoted(input, i, dialect);
    if (skipped > i) {
      i = skipped;
      continue;
    }
    if (input[i] === ';') {
      complete.push({ text: input.slice(start, i), start });
      start = i + 1;
    }
    i++;
  }
  return { complete, rest: { text: input.slice(start), start } };
}

/** True when `text` holds nothing but blanks and comments. */
export function isBlank(text: string, dialect: Dialect): boolean {
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (!startsComment(text, i, dialect)) return false;
    i = skipQuoted(text, i, dialect);
  }
  return true;
}

function startsComment(text: string, i: number, dialect: Dialect): boolean {
  const two = text.slice(i, i + 2);
  return two === '--' || two === '/*' || (isMysql(dialect) && text[i] === '#');
}

/**
 * The offset just past the literal, identifier or comment starting at `i`, or `i` when none starts there.
 * An unterminated one runs to the end of the input (the statement is not complete yet).
 */
function skipQuoted(text: string, i: number, dialect: Dialect): number {
  const ch = text[i]!;
  const two = text.slice(i, i + 2);
  if (two === '--' || (isMysql(dialect) && ch === '#')) {
    const end = text.indexOf('\n', i);
    return end < 0 ? text.length : end + 1;
  }
  if (two === '/*') return skipBlockComment(text, i, dialect === 'postgres');
  if (ch === "'") {
    // MySQL reads backslash escapes in strings; PostgreSQL only in E'…' strings.
    const escapes = isMysql(dialect) || (dialect === 'postgres' && /[eE]/.test(text[i - 1] ?? ''));
    return skipDelimited(text, i, "'", escapes);
  }
  if (ch === '"') return skipDelimited(text, i, '"', isMysql(dialect));
  if (ch === '`' && dialect !== 'postgres') return skipDelimited(text, i, '`', false);
  if (ch === '[' && dialect === 'sqlite') {
    const end = text.indexOf(']', i + 1);
    return end < 0 ? text.length : end + 1;
  }
  if (ch === '$' && dialect === 'postgres') return skipDollarQuoted(text, i);
  return i;
}

function skipBlockComment(text: string, i: number, nested: boolean): number {
  let depth = 0;
  let j = i;
  while (j < text.length) {
    const two = text.slice(j, j + 2);
    if (two === '/*' && (nested || depth === 0)) {
      depth++;
      j += 2;
    } else if (two === '*/') {
      depth--;
      j += 2;
      if (depth === 0) return j;
    } else j++;
  }
  return text.length;
}

/** A quote ends at the next one not doubled (and, with `escapes`, not after a backslash). */
function skipDelimited(text: string, i: number, quote: string, escapes: boolean): number {
  let j = i + 1;
  while (j < text.length) {
    const ch = text[j]!;
    if (escapes && ch === '\\') j += 2;
    else if (ch === quote) {
      if (text[j + 1] === quote) j += 2;
      else return j + 1;
    } else j++;
  }
  return text.length;
}

/** `$$…$$` or `$tag$…$tag$`; a `$1` parameter or a `$` inside a name is not a quote. */
function skipDollarQuoted(text: string, i: number): number {
  if (/[\w$]/.test(text[i - 1] ?? '')) return i;
  const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i));
  if (!tag) return i;
  const end = text.indexOf(tag[0], i + tag[0].length);
  return end < 0 ? text.length : end + tag[0].length;
}
