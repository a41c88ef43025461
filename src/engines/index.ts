import { RowbackError } from '../core/errors.js';
import type { Engine } from './engine.js';
import { isSqliteHeader } from './sqlite/file.js';

/** URL scheme → engine module. Engines load lazily so a PostgreSQL run never loads mysql2, and back. */
const ENGINES: Record<string, () => Promise<Engine>> = {
  postgres: async () => (await import('./postgres/index.js')).postgresEngine,
  postgresql: async () => (await import('./postgres/index.js')).postgresEngine,
  mysql: async () => (await import('./mysql/index.js')).mysqlEngine,
  mariadb: async () => (await import('./mysql/index.js')).mysqlEngine,
  sqlite: async () => (await import('./sqlite/index.js')).sqliteEngine,
};

/**
 * Engines whose databases are files: how each knows its files by their first bytes, without loading the
 * engine (and its driver) for a file that is not one of them, such as a dump given to --from.
 */
const FILE_ENGINES: { recognizes: (head: Buffer) => boolean; load: () => Promise<Engine> }[] = [
  { recognizes: isSqliteHeader, load: async () => (await import('./sqlite/index.js')).sqliteEngine },
];

function schemeOf(text: string): string | undefined {
  return /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
}

/** The engine for a connection URL, by its scheme. */
export async function engineForUrl(url: string): Promise<Engine> {
  const scheme = schemeOf(url);
  const load = scheme ? ENGINES[scheme] : undefined;
  if (!load) {
    // Only the scheme is quoted: the rest may hold a password.
    const what = scheme ? `"${scheme}…"` : 'the text given';
    const keywords = /\b(host|dbname|user)\s*=/.test(url)
      ? ' A libpq "host=… dbname=…" string is not read: write it as postgres://user@host:port/dbname.'
      : '';
    throw new RowbackError('usage', `rowback cannot tell which database ${what} is.`, {
      hint: `Connection URLs start with one of: ${urlForms()}; a SQLite database may also be given as its file path.${keywords}`,
    });
  }
  return load();
}

/** The engine whose files start with these bytes, if any. */
export async function engineForFile(head: Buffer): Promise<Engine | undefined> {
  for (const { recognizes, load } of FILE_ENGINES) if (recognizes(head)) return load();
  return undefined;
}

/** `postgres://, …, sqlite:` — file engines' URLs take a path after the colon, not `//host`. */
function urlForms(): string {
  return Object.keys(ENGINES)
    .map((scheme) => (scheme === 'sqlite' ? `${scheme}:` : `${scheme}://`))
    .join(', ');
}

export function isDatabaseUrl(text: string): boolean {
  const scheme = schemeOf(text);
  return scheme !== undefined && scheme in ENGINES;
}
