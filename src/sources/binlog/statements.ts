/**
 * What a statement in the binlog does to one table, read from its text: DDL that changes the table
 * (ALTER, TRUNCATE, DROP, RENAME, CREATE) or a write logged as a statement rather than as rows (a server
 * not in ROW format). Conservative: a statement of these kinds that names the table anywhere counts.
 */
export type StatementKind = 'alter' | 'truncate' | 'drop' | 'rename' | 'create' | 'write';

/** Words of the statement outside strings and comments, identifiers unquoted, dots kept as tokens. */
function tokens(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '#' || (ch === '-' && text[i + 1] === '-')) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (ch === '/' && text[i + 1] === '*') {
      // Executable comments (/*! … */, /*M! … */) hold real SQL: read their content as code.
      const code = /^\/\*M?!\d*/.exec(text.slice(i));
      if (code) {
        i += code[0].length;
      } else {
        const end = text.indexOf('*/', i + 2);
        i = end === -1 ? text.length : end + 2;
      }
    } else if (ch === '*' && text[i + 1] === '/') {
      i += 2;
    } else if (ch === '`' || ch === '"') {
      let name = '';
      let j = i + 1;
      for (; j < text.length; j++) {
        if (text[j] === ch) {
          if (text[j + 1] === ch) {
            name += ch;
            j++;
            continue;
          }
          break;
        }
        name += text[j];
      }
      out.push(name);
      i = j + 1;
    } else if (ch === "'") {
      let j = i + 1;
      for (; j < text.length; j++) {
        if (text[j] === '\\') j++;
        else if (text[j] === "'") {
          if (text[j + 1] === "'") j++;
          else break;
        }
      }
      i = j + 1;
    } else if (/[\w$\u0080-\uffff]/.test(ch)) {
      let j = i;
      while (j < text.length && /[\w$\u0080-\uffff]/.test(text[j]!)) j++;
      out.push(text.slice(i, j));
      i = j;
    } else {
      if (ch === '.' || ch === ';') out.push(ch);
      i++;
    }
  }
  return out;
}

/** The statement's kind when it may change `schema.table` (whose unqualified names resolve in `database`). */
export function statementOn(
  text: string,
  database: string,
  schema: string,
  table: string,
): StatementKind | undefined {
  const words = tokens(text);
  const first = (words[0] ?? '').toUpperCase();
  const second = (words[1] ?? '').toUpperCase();
  // DROP DATABASE takes every table of it along.
  if (first === 'DROP' && (second === 'DATABASE' || second === 'SCHEMA')) {
    const name = words[2]?.toUpperCase() === 'IF' ? words[4] : words[2];
    return name !== undefined && name.toLowerCase() === schema.toLowerCase() ? 'drop' : undefined;
  }
  const kind = kindOf(first, words);
  if (!kind) return undefined;
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  for (let i = 0; i < words.length; i++) {
    if (!same(words[i]!, table)) continue;
    const qualified = words[i - 1] === '.';
    const owner = qualified ? (words[i - 2] ?? '') : database;
    if (same(owner, schema)) return kind;
  }
  return undefined;
}

function kindOf(first: string, words: string[]): StatementKind | undefined {
  switch (first) {
    case 'ALTER':
      return (words[1] ?? '').toUpperCase() === 'TABLE' || (words[2] ?? '').toUpperCase() === 'TABLE'
        ? 'alter'
        : undefined;
    case 'TRUNCATE':
      return 'truncate';
    case 'DROP':
      return words.slice(1, 3).some((w) => w.toUpperCase() === 'TABLE') ? 'drop' : undefined;
    case 'RENAME':
      return 'rename';
    case 'CREATE':
      return words.slice(1, 4).some((w) => w.toUpperCase() === 'TABLE') ? 'create' : undefined;
    case 'INSERT':
    case 'UPDATE':
    case 'DELETE':
    case 'REPLACE':
    case 'LOAD':
      return 'write';
    default:
      return undefined;
  }
}
