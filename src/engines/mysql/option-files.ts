import { readdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/**
 * The client's option files (`my.cnf`), read as the mysql and mariadb clients read them on Unix: the global
 * files, then `$MARIADB_HOME/my.cnf` (or `$MYSQL_HOME/my.cnf`), then `~/.my.cnf`; a later value wins, within
 * a file as across files. Only the groups a client program reads are taken: `[client]`, MariaDB's
 * `[client-server]`, `[client-mariadb]` for `mariadb://` URLs, and rowback's own `[rowback]` (as mysqldump
 * reads `[mysqldump]`). `!include` and `!includedir` are followed. A world-writable file is ignored, as the
 * clients ignore it, and said.
 */
export interface ClientOptions {
  /** Option names with `_` written `-`, `loose-` removed; a bare `name` (a flag) is `true`. */
  values: Map<string, string | true>;
  /** Which file each value came from, for messages. */
  from: Map<string, string>;
  /** Files not read, and why. */
  notes: string[];
}

const GLOBAL_FILES = ['/etc/my.cnf', '/etc/mysql/my.cnf'];
/** Nested `!include`s deeper than this are a loop. */
const MAX_DEPTH = 10;

/** The option files in the order the clients read them. */
export function optionFilePaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.MARIADB_HOME || env.MYSQL_HOME;
  return [...GLOBAL_FILES, ...(home ? [join(home, 'my.cnf')] : []), join(homedir(), '.my.cnf')];
}

/** Reads the client groups of every option file that exists. */
export async function readClientOptions(
  mariadb: boolean,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ClientOptions> {
  const groups = new Set(['client', 'client-server', ...(mariadb ? ['client-mariadb'] : []), 'rowback']);
  const options: ClientOptions = { values: new Map(), from: new Map(), notes: [] };
  for (const path of optionFilePaths(env)) await readOptionFile(path, groups, options, 0);
  return options;
}

async function readOptionFile(
  path: string,
  groups: Set<string>,
  into: ClientOptions,
  depth: number,
): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile() || depth > MAX_DEPTH) return;
  if (info.mode & 0o002) {
    into.notes.push(
      `${path} was ignored: anyone can write to it (chmod o-w it), as the mysql client ignores it.`,
    );
    return;
  }
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  let inGroup = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const include = /^!include(dir)?\s+(.+)$/.exec(line);
    if (include) {
      const target = resolve(dirname(path), include[2]!.trim());
      if (include[1]) {
        const names = await readdir(target).catch(() => [] as string[]);
        for (const name of names.filter((n) => n.endsWith('.cnf')).sort()) {
          await readOptionFile(join(target, name), groups, into, depth + 1);
        }
      } else {
        await readOptionFile(target, groups, into, depth + 1);
      }
      continue;
    }
    const group = /^\[\s*([^\]]*?)\s*\]/.exec(line);
    if (group) {
      inGroup = groups.has(group[1]!.toLowerCase());
      continue;
    }
    if (!inGroup) continue;
    const option = parseOption(line);
    if (!option) continue;
    // Deleted first so that the Map's order is the order of the last occurrences (see flagValue).
    into.values.delete(option.name);
    into.values.set(option.name, option.value);
    into.from.set(option.name, path);
  }
}

/** One `name = value` line (or a bare `name`), comments removed, quotes and escapes resolved. */
function parseOption(line: string): { name: string; value: string | true } | undefined {
  const text = withoutComment(line);
  const eq = text.indexOf('=');
  const name = normalName(eq < 0 ? text : text.slice(0, eq));
  if (!name) return undefined;
  if (eq < 0) return { name, value: true };
  return { name, value: unquote(text.slice(eq + 1).trim()) };
}

/** A `#` outside quotes starts a comment, even mid-line. */
function withoutComment(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote) quote = '';
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '#') {
      return line.slice(0, i).trim();
    }
  }
  return line.trim();
}

function normalName(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/_/g, '-')
    .replace(/^loose-/, '');
}

const ESCAPES: Record<string, string> = {
  b: '\b',
  t: '\t',
  n: '\n',
  r: '\r',
  s: ' ',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

/** Drops one pair of matching quotes; `\n`, `\t`, `\s`, `\\`… are escapes, other backslashes stay. */
function unquote(value: string): string {
  const quoted = value.length >= 2 && /^["']/.test(value) && value.endsWith(value[0]!);
  const body = quoted ? value.slice(1, -1) : value;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const char = body[i]!;
    const escaped = char === '\\' && i + 1 < body.length ? ESCAPES[body[i + 1]!] : undefined;
    if (escaped === undefined) out += char;
    else {
      out += escaped;
      i++;
    }
  }
  return out;
}

/**
 * A flag's value: `ssl`, `ssl=1`, `ssl=ON` are on; `skip-ssl`, `disable-ssl`, `ssl=0`, `ssl=OFF` off;
 * undefined when the file says nothing about it.
 */
export function flagValue(options: ClientOptions, name: string): boolean | undefined {
  let result: boolean | undefined;
  let latest = -1;
  // The last of the spellings in the file wins; the Map keeps insertion order, so compare positions.
  const order = [...options.values.keys()];
  for (const [spelling, on] of [
    [name, true],
    [`enable-${name}`, true],
    [`skip-${name}`, false],
    [`disable-${name}`, false],
  ] as const) {
    const value = options.values.get(spelling);
    if (value === undefined) continue;
    const at = order.indexOf(spelling);
    if (at < latest) continue;
    latest = at;
    const truthy = value === true || /^(1|on|true|yes)$/i.test(value);
    result = on ? truthy : !truthy;
  }
  return result;
}
