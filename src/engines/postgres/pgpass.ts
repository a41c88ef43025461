import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { PgParams } from './params.js';

/**
 * The password file, as libpq reads it: PGPASSFILE, else ~/.pgpass; lines of
 * `hostname:port:database:username:password`, `*` matching anything, `\:` and `\\` escaped, `#` comments.
 * The first matching line wins. A file others can read is ignored, as libpq does, and said.
 */
export interface PgpassLookup {
  password?: string;
  /** Why the file was not used, when that is worth telling. */
  note?: string;
}

export async function lookupPgpass(params: PgParams, env = process.env): Promise<PgpassLookup> {
  const path = env.PGPASSFILE || join(homedir(), '.pgpass');
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return {};
  if (info.mode & 0o077) {
    return {
      note: `${path} was not read: others can read it (mode ${(info.mode & 0o777).toString(8)}); chmod 600 it, as psql requires.`,
    };
  }
  const text = await readFile(path, 'utf8').catch(() => '');
  // A socket connection matches the host name "localhost", as in libpq.
  const host = params.host.startsWith('/') ? 'localhost' : params.host;
  const wanted = [host, String(params.port), params.database, params.user];
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const fields = splitFields(line);
    if (fields.length < 5) continue;
    if (wanted.every((value, i) => fields[i] === '*' || fields[i] === value)) {
      return { password: fields.slice(4).join(':') };
    }
  }
  return {};
}

/** Splits on unescaped `:`; `\x` stands for `x`. */
function splitFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (char === '\\' && i + 1 < line.length) field += line[++i];
    else if (char === ':') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  fields.push(field);
  return fields;
}
