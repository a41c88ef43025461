/**
 * Names as dumps write them: `public."Weird ""Name"""` (PostgreSQL: unquoted names fold to lower case),
 * `` `db`.`t` `` (MySQL). Heads are latin1 text (one character per byte); names come back as UTF-8.
 */

export interface ParsedName {
  parts: string[];
  /** Index in the text just after the name. */
  end: number;
}

/** Reads a dotted name starting at `start` (after optional blanks); undefined when there is none. */
export function readName(text: string, start: number, quote: '"' | '`'): ParsedName | undefined {
  const parts: string[] = [];
  let i = skipBlanks(text, start);
  for (;;) {
    const part = readPart(text, i, quote);
    if (!part) return parts.length ? { parts, end: i } : undefined;
    parts.push(part.name);
    i = part.end;
    if (text[i] !== '.') return { parts, end: i };
    i++;
  }
}

function readPart(text: string, i: number, quote: string): { name: string; end: number } | undefined {
  if (text[i] === quote) {
    let name = '';
    let j = i + 1;
    for (;;) {
      const q = text.indexOf(quote, j);
      if (q === -1) return undefined;
      name += text.slice(j, q);
      if (text[q + 1] === quote) {
        name += quote;
        j = q + 2;
        continue;
      }
      return { name: utf8(name), end: q + 1 };
    }
  }
  const m = /^[A-Za-z_\x80-\xff][A-Za-z0-9_$\x80-\xff]*/.exec(text.slice(i, i + 256));
  if (!m) return undefined;
  // Unquoted names fold to lower case in PostgreSQL; MySQL keeps them (dumps always quote anyway).
  const name = quote === '"' ? m[0].toLowerCase() : m[0];
  return { name: utf8(name), end: i + m[0].length };
}

/** A comma-separated list of names in parentheses starting at `start`; undefined when there is none. */
export function readNameList(
  text: string,
  start: number,
  quote: '"' | '`',
): { names: string[]; end: number } | undefined {
  let i = skipBlanks(text, start);
  if (text[i] !== '(') return undefined;
  const names: string[] = [];
  for (;;) {
    const name = readName(text, i + 1, quote);
    if (name?.parts.length !== 1) return undefined;
    names.push(name.parts[0]!);
    i = skipBlanks(text, name.end);
    if (text[i] === ')') return { names, end: i + 1 };
    if (text[i] !== ',') return undefined;
  }
}

export function skipBlanks(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i]!)) i++;
  return i;
}

/** latin1 text (bytes) → the UTF-8 string they spell. */
export function utf8(latin1: string): string {
  return Buffer.from(latin1, 'latin1').toString('utf8');
}
