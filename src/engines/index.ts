import { RowbackError } from '../core/errors.js';
import type { LegacyEngine as Engine } from './legacy.js';

/** URL scheme → engine module. Engines load lazily so a PostgreSQL run never loads mysql2, and back. */
const ENGINES: Record<string, () => Promise<Engine>> = {
  postgres: async () => (await import('./postgres/index.js')).postgresEngine,
  postgresql: async () => (await import('./postgres/index.js')).postgresEngine,
  mysql: async () => (await import('./mysql/index.js')).mysqlEngine,
  mariadb: async () => (await import('./mysql/index.js')).mysqlEngine,
};

/** The engine for a connection URL, by its scheme. */
export async function engineForUrl(url: string): Promise<Engine> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  const load = scheme ? ENGINES[scheme] : undefined;
  if (!load) {
    throw new RowbackError(
      'usage',
      `rowback cannot tell which database "${scheme ?? url.slice(0, 20)}…" is.`,
      {
        hint: `Connection URLs start with one of: ${Object.keys(ENGINES).join('://, ')}://`,
      },
    );
  }
  return load();
}

export function isDatabaseUrl(text: string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  return scheme !== undefined && scheme in ENGINES;
}
