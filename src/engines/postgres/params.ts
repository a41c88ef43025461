import { existsSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { RowbackError } from '../../core/errors.js';
import { checkUrl } from '../../core/url.js';

/**
 * A `postgres://` URL read the way libpq reads it: what the URL leaves out comes from the PG* environment
 * variables, then libpq's defaults (the Unix socket, port 5432, the OS user, a database named after the
 * user). So `postgres:///app` with PGHOST set connects where psql would, and the label says where that is.
 */

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

export interface PgParams {
  /** A host name or address, or the directory of a Unix socket (starts with `/`). */
  host: string;
  port: number;
  user: string;
  database: string;
  /** From the URL or PGPASSWORD; ~/.pgpass is read only when the server asks (see pgpass.ts). */
  password: string | undefined;
  sslmode: SslMode;
  /** A CA file, or `system` for the system's trusted roots. */
  sslrootcert: string | undefined;
  /** Said explicitly (URL or PGSSLROOTCERT), not found at the default place. */
  sslrootcertGiven: boolean;
  sslcert: string | undefined;
  sslkey: string | undefined;
  /** libpq's `options` (e.g. `-c search_path=app`). */
  options: string | undefined;
  /** Where this session goes, for messages and the audit record: never the password. */
  label: string;
}

type Env = NodeJS.ProcessEnv;

/** Reads a PostgreSQL URL with the environment's defaults. Throws RowbackError('usage') on a bad URL. */
export function resolveParams(url: string, env: Env = process.env): PgParams {
  checkUrl(url);
  const parsed = new URL(url);
  const query = (name: string) => parsed.searchParams.get(name) ?? undefined;
  const decoded = (text: string) => (text ? decodeURIComponent(text) : undefined);
  const urlHost = decoded(parsed.hostname.replace(/^\[(.*)\]$/, '$1'));
  const port = decoded(parsed.port) ?? query('port') ?? nonEmpty(env.PGPORT) ?? '5432';
  const user = decoded(parsed.username) ?? query('user') ?? nonEmpty(env.PGUSER) ?? osUser(env);
  const host = urlHost ?? query('host') ?? nonEmpty(env.PGHOST) ?? defaultHost(port);
  const database =
    decoded(parsed.pathname.replace(/^\//, '')) ?? query('dbname') ?? nonEmpty(env.PGDATABASE) ?? user;
  const sslmode = readSslMode(query('sslmode') ?? nonEmpty(env.PGSSLMODE));
  const rootGiven = query('sslrootcert') ?? nonEmpty(env.PGSSLROOTCERT);
  const params: PgParams = {
    host,
    port: readPort(port),
    user,
    database,
    password: decoded(parsed.password) ?? query('password') ?? nonEmpty(env.PGPASSWORD),
    sslmode: sslmode ?? (rootGiven === 'system' ? 'verify-full' : 'prefer'),
    sslrootcert: rootGiven ?? existing(join(homedir(), '.postgresql', 'root.crt')),
    sslrootcertGiven: rootGiven !== undefined,
    sslcert:
      query('sslcert') ??
      nonEmpty(env.PGSSLCERT) ??
      existing(join(homedir(), '.postgresql', 'postgresql.crt')),
    sslkey:
      query('sslkey') ?? nonEmpty(env.PGSSLKEY) ?? existing(join(homedir(), '.postgresql', 'postgresql.key')),
    options: query('options') ?? nonEmpty(env.PGOPTIONS),
    label: '',
  };
  if (params.sslrootcert === 'system' && params.sslmode !== 'verify-full') {
    throw new RowbackError('usage', `sslrootcert=system needs sslmode=verify-full, not ${params.sslmode}.`, {
      hint: "The system's trusted roots vouch for any host they signed: only verify-full checks the name too.",
    });
  }
  params.label = labelOf(params, parsed.protocol);
  return params;
}

/** `postgres://user@host:port/db`; a Unix socket as `postgres://user@/run/postgresql:5432/db`. */
function labelOf(p: PgParams, protocol: string): string {
  const host = p.host.includes(':') && !p.host.startsWith('/') ? `[${p.host}]` : p.host;
  return `${protocol}//${p.user}@${host}:${p.port}/${p.database}`;
}

function readSslMode(text: string | undefined): SslMode | undefined {
  if (text === undefined) return undefined;
  const mode = text.toLowerCase() as SslMode;
  if (SSL_MODES.includes(mode)) return mode;
  throw new RowbackError('usage', `"${text}" is not an sslmode.`, {
    hint: `sslmode is one of ${SSL_MODES.join(', ')} (as for psql); the default is prefer.`,
  });
}

function readPort(text: string): number {
  const port = Number(text);
  if (Number.isInteger(port) && port > 0 && port < 65536) return port;
  throw new RowbackError('usage', `"${text}" is not a port number.`, {
    hint: 'Give the port in the URL (postgres://host:5432/db) or PGPORT.',
  });
}

/**
 * libpq's default host: the Unix socket directory the server uses, when one of the usual ones holds a
 * socket for this port (Debian's /var/run/postgresql, else /tmp), else localhost over TCP.
 */
function defaultHost(port: string): string {
  for (const dir of ['/var/run/postgresql', '/run/postgresql', '/tmp']) {
    if (existsSync(join(dir, `.s.PGSQL.${port}`))) return dir;
  }
  return 'localhost';
}

function osUser(env: Env): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? env.LOGNAME ?? 'postgres';
  }
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text;
}

function existing(path: string): string | undefined {
  return existsSync(path) ? path : undefined;
}
