import { stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { RowbackError } from '../../core/errors.js';
import { checkUrl } from '../../core/url.js';
import { type ClientOptions, flagValue, readClientOptions } from './option-files.js';

/**
 * A `mysql://` or `mariadb://` URL read the way the mysql and mariadb clients read their options. What the
 * URL leaves out comes from the option files, then the environment, then the clients' defaults — the
 * documented order: "Options on the command line take precedence over values specified in option files and
 * environment variables, and values in option files take precedence over values in environment variables"
 * (MySQL Reference Manual, "Environment Variables"; MariaDB's "MariaDB Environment Variables" says the
 * same). The URL plays the command line's part.
 *
 * - host: URL, option `host`, MYSQL_HOST, `localhost`. port: URL, option `port`, MYSQL_TCP_PORT, 3306.
 * - user: URL, option `user`, the OS user. password: URL, option `password`, MYSQL_PWD, else asked for
 *   when the server refuses a connection without one.
 * - `localhost` means the Unix socket, as for the clients: `?socket=` in the URL, option `socket`,
 *   MYSQL_UNIX_PORT, the usual places — when that socket exists. A port in the URL means TCP (as the
 *   mariadb client does since 10.6), and so does `protocol=tcp`.
 * - ssl-mode: see tls.ts.
 */

export const SSL_MODES = ['DISABLED', 'PREFERRED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'] as const;
export type SslMode = (typeof SSL_MODES)[number];

export interface MysqlParams {
  /** The host name or address; `localhost` for a socket. */
  host: string;
  port: number;
  /** The Unix socket to connect through, if any (then host and port are not used). */
  socket: string | undefined;
  user: string;
  /** Given somewhere the client would look; undefined: asked for when the server wants one. */
  password: string | undefined;
  /** Where the password came from, for hints; never the password itself. */
  passwordFrom: string | undefined;
  database: string | undefined;
  sslMode: SslMode;
  sslCa: string | undefined;
  sslCert: string | undefined;
  sslKey: string | undefined;
  /** Option files that were not read, and why. */
  notes: string[];
  /** Where this session goes, for messages and the audit record: never the password. */
  label: string;
}

type Env = NodeJS.ProcessEnv;

/** The sockets a packaged server listens on by default (Debian, RHEL, MySQL's own builds). */
const DEFAULT_SOCKETS = [
  '/run/mysqld/mysqld.sock',
  '/var/run/mysqld/mysqld.sock',
  '/var/lib/mysql/mysql.sock',
  '/tmp/mysql.sock',
];

/** Reads a MySQL/MariaDB URL with the option files' and environment's defaults. Throws RowbackError('usage'). */
export async function resolveParams(url: string, env: Env = process.env): Promise<MysqlParams> {
  checkUrl(url);
  const scheme = /^[a-z]+:/i.exec(url)![0].toLowerCase();
  const parsed = new URL(url.replace(/^mariadb:/i, 'mysql:'));
  const files = await readClientOptions(scheme === 'mariadb:', env);
  const query = (name: string) => nonEmpty(parsed.searchParams.get(name) ?? undefined);
  const option = (name: string) => {
    const value = files.values.get(name);
    return typeof value === 'string' ? nonEmpty(value) : undefined;
  };
  const decoded = (text: string) => (text ? decodeURIComponent(text) : undefined);
  const urlPort = decoded(parsed.port);
  const host =
    decoded(parsed.hostname.replace(/^\[(.*)\]$/, '$1')) ?? option('host') ?? nonEmpty(env.MYSQL_HOST);
  const port = readPort(urlPort ?? option('port') ?? nonEmpty(env.MYSQL_TCP_PORT) ?? '3306');
  const user = decoded(parsed.username) ?? option('user') ?? osUser(env);
  const password = passwordOf(parsed, files, env);
  const database = decoded(parsed.pathname.replace(/^\//, ''));
  const protocol = (query('protocol') ?? option('protocol'))?.toLowerCase();
  const socket =
    query('socket') ??
    ((host ?? 'localhost') === 'localhost' && urlPort === undefined && protocol !== 'tcp'
      ? await existingSocket(option('socket') ?? nonEmpty(env.MYSQL_UNIX_PORT))
      : undefined);
  const sslCa = query('ssl-ca') ?? query('sslrootcert') ?? option('ssl-ca');
  const params: MysqlParams = {
    host: host ?? 'localhost',
    port,
    socket,
    user,
    password: password?.value,
    passwordFrom: password?.from,
    database,
    sslMode: sslModeOf(query, files, sslCa),
    sslCa,
    sslCert: query('ssl-cert') ?? option('ssl-cert'),
    sslKey: query('ssl-key') ?? option('ssl-key'),
    notes: files.notes,
    label: '',
  };
  params.label = labelOf(params, scheme);
  return params;
}

function passwordOf(
  parsed: URL,
  files: ClientOptions,
  env: Env,
): { value: string; from: string } | undefined {
  if (parsed.password) return { value: decodeURIComponent(parsed.password), from: 'the URL' };
  const option = files.values.get('password');
  // A bare `password` line means "ask me", as `mysql -p` does.
  if (typeof option === 'string') return { value: option, from: files.from.get('password')! };
  if (env.MYSQL_PWD) return { value: env.MYSQL_PWD, from: 'MYSQL_PWD' };
  return undefined;
}

/**
 * ssl-mode from the URL (`ssl-mode`, `sslmode`, or `ssl=true|false`), else the option files (`ssl-mode`,
 * MariaDB's `ssl` and `ssl-verify-server-cert` flags), else VERIFY_CA when a CA is given (MySQL: "use of
 * --ssl-ca ... implies --ssl-mode=VERIFY_CA"), else PREFERRED.
 */
function sslModeOf(
  query: (name: string) => string | undefined,
  files: ClientOptions,
  sslCa: string | undefined,
): SslMode {
  const given = query('ssl-mode') ?? query('sslmode');
  if (given) return readSslMode(given);
  const ssl = query('ssl');
  if (ssl) return /^(1|on|true|yes)$/i.test(ssl) ? 'REQUIRED' : readSslMode(ssl);
  const option = files.values.get('ssl-mode');
  if (typeof option === 'string') return readSslMode(option);
  if (flagValue(files, 'ssl-verify-server-cert')) return 'VERIFY_IDENTITY';
  const flag = flagValue(files, 'ssl');
  if (flag !== undefined) return flag ? 'REQUIRED' : 'DISABLED';
  return sslCa ? 'VERIFY_CA' : 'PREFERRED';
}

/** The client's names, any case; libpq's spellings too, as people carry them over from PostgreSQL. */
const SSL_ALIASES: Record<string, SslMode> = {
  disable: 'DISABLED',
  false: 'DISABLED',
  '0': 'DISABLED',
  off: 'DISABLED',
  prefer: 'PREFERRED',
  require: 'REQUIRED',
  'verify-full': 'VERIFY_IDENTITY',
};

function readSslMode(text: string): SslMode {
  const mode = text.toUpperCase().replace(/-/g, '_');
  if ((SSL_MODES as readonly string[]).includes(mode)) return mode as SslMode;
  const alias = SSL_ALIASES[text.toLowerCase()];
  if (alias) return alias;
  throw new RowbackError('usage', `"${text}" is not an ssl-mode.`, {
    hint: `ssl-mode is one of ${SSL_MODES.join(', ')} (as for the mysql client); the default is PREFERRED.`,
  });
}

/** `mysql://user@host:port/db`; a socket as `mysql://user@localhost/db?socket=/run/mysqld/mysqld.sock`. */
function labelOf(p: MysqlParams, scheme: string): string {
  const database = p.database ?? '';
  if (p.socket) return `${scheme}//${p.user}@localhost/${database}?socket=${p.socket}`;
  const host = p.host.includes(':') ? `[${p.host}]` : p.host;
  return `${scheme}//${p.user}@${host}:${p.port}/${database}`;
}

/** The socket named, or else the first usual one, if it exists; undefined means TCP to localhost. */
async function existingSocket(named: string | undefined): Promise<string | undefined> {
  for (const path of named ? [named] : DEFAULT_SOCKETS) {
    const info = await stat(path).catch(() => undefined);
    if (info?.isSocket()) return path;
  }
  return undefined;
}

function readPort(text: string): number {
  const port = Number(text);
  if (Number.isInteger(port) && port > 0 && port < 65536) return port;
  throw new RowbackError('usage', `"${text}" is not a port number.`, {
    hint: 'Give the port in the URL (mysql://host:3306/db), in ~/.my.cnf or MYSQL_TCP_PORT.',
  });
}

/** The clients' default user on Unix: the login name. */
function osUser(env: Env): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? env.LOGNAME ?? 'root';
  }
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text;
}
