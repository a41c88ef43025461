import type mysql from 'mysql2';
import { RowbackError } from '../../core/errors.js';
import { registerSecret, registerUrlSecrets } from '../../core/redact.js';
import type { AskPassword } from '../engine.js';
import { type MysqlParams, resolveParams } from './params.js';
import { fallsBack, tlsAttempts } from './tls.js';

export const CONNECT_TIMEOUT_MS = 10_000;

/** One open mysql2 connection, how it was made (to open a second one the same way) and where it went. */
export interface MysqlClient {
  raw: mysql.Connection;
  /** The options it was opened with: the place, the TLS that worked, the password that was accepted. */
  config: mysql.ConnectionOptions;
  params: MysqlParams;
}

/** Options of the connection itself (charset, flags, attributes), the same whatever the place. */
export type BaseOptions = Omit<
  mysql.ConnectionOptions,
  'host' | 'port' | 'socketPath' | 'user' | 'password' | 'ssl'
>;

/**
 * Connects to a MySQL/MariaDB URL as the mysql client would (option files, environment, ssl-mode; see
 * params.ts and tls.ts). A server that refuses a connection without a password gets one from `askPassword`
 * (a person at a terminal), asked once. Throws RowbackError('connection' or 'usage'), naming the label only.
 */
export async function connectClient(
  url: string,
  base: BaseOptions,
  askPassword?: AskPassword,
): Promise<MysqlClient> {
  registerUrlSecrets(url);
  // The driver loads with the first connection: the CLI's entry reaches this module through doctor and
  // the binlog source, and a PostgreSQL run (or --version) should not pay for it.
  const { default: driver } = await import('mysql2');
  const params = await resolveParams(url);
  registerSecret(params.password);
  const attempts = tlsAttempts(params);
  let password = params.password;
  let typed = false;
  for (let i = 0; ; ) {
    const ssl = attempts[i]!;
    const config: mysql.ConnectionOptions = {
      ...(params.socket ? { socketPath: params.socket } : { host: params.host, port: params.port }),
      user: params.user,
      password: password ?? '',
      database: params.database,
      connectTimeout: CONNECT_TIMEOUT_MS,
      ...(ssl ? { ssl } : {}),
      // last: the caller may leave the database out (`database: undefined`)
      ...base,
    };
    const raw = driver.createConnection(config);
    // A session that goes away between statements emits 'error'; the next statement reports it.
    raw.on('error', () => {});
    try {
      await ping(raw);
      return { raw, config, params };
    } catch (error) {
      raw.destroy();
      if (password === undefined && refusedWithoutPassword(error)) {
        password = await ask(params, askPassword, !ssl);
        typed = true;
        continue;
      }
      if (i + 1 < attempts.length && fallsBack(error)) {
        i++;
        continue;
      }
      throw connectError(params, error, typed, !ssl);
    }
  }
}

function ping(raw: mysql.Connection): Promise<void> {
  return new Promise((resolve, reject) =>
    raw.query('SELECT 1', (error) => (error ? reject(error) : resolve())),
  );
}

function refusedWithoutPassword(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  return e?.code === 'ER_ACCESS_DENIED_ERROR' && /using password: NO/i.test(e.message ?? '');
}

async function ask(
  params: MysqlParams,
  askPassword: AskPassword | undefined,
  plain: boolean,
): Promise<string> {
  const typed = await askPassword?.({ target: params.label, user: params.user });
  if (typed === undefined) {
    const notes = [...params.notes, ...(plain ? plainRefusal(params) : [])];
    throw new RowbackError(
      'connection',
      `Cannot connect to ${params.label}: the server asks for a password and none was supplied.`,
      {
        hint: [
          'Give it in ~/.my.cnf under [client] on a line password = … (chmod 600), in MYSQL_PWD, or in the URL, percent-encoded; run at a terminal, rowback asks for it.',
          ...notes,
        ].join(' '),
      },
    );
  }
  registerSecret(typed);
  return typed;
}

const CERTIFICATE = /certificate|self[- ]signed|altname|CERT_|UNABLE_TO_VERIFY/i;

/**
 * MariaDB refuses a plain connection to a server or account that wants TLS (require_secure_transport,
 * REQUIRE SSL) as it refuses a wrong password: say so when TLS was turned off.
 */
function plainRefusal(p: MysqlParams): string[] {
  if (p.sslMode !== 'DISABLED' || p.socket) return [];
  return [
    'If the server or account takes only encrypted connections (require_secure_transport, REQUIRE SSL), ssl-mode=DISABLED is why: use PREFERRED.',
  ];
}

/** Explains a failed connect in words a user can act on. */
function connectError(p: MysqlParams, error: unknown, typed: boolean, plain: boolean): RowbackError {
  if (error instanceof RowbackError) return error;
  const e = error as { code?: string; message?: string };
  const code = e?.code ?? '';
  const message = e?.message ?? String(error);
  let why = message;
  let hint: string | undefined;
  if (code === 'ECONNREFUSED' || code === 'ENOENT') {
    why = p.socket
      ? `nothing listens on the socket ${p.socket}`
      : 'the connection was refused (is the server running and listening on that host and port?)';
  } else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    why = 'the host name is unknown';
  } else if (code === 'ER_ACCESS_DENIED_ERROR') {
    why = `the server refused user "${p.user}" (${message})`;
    hint = [
      typed
        ? 'The password typed was not accepted; run again to retype it.'
        : /using password: YES/i.test(message)
          ? `Check the password (from ${p.passwordFrom ?? 'the URL'}); in a URL, a '%' in it must be written %25.`
          : 'Check the user name, and that the account may connect from this host.',
      ...(plain ? plainRefusal(p) : []),
    ].join(' ');
  } else if (code === 'ER_DBACCESS_DENIED_ERROR') {
    why = `user "${p.user}" may not use the database "${p.database ?? ''}"`;
  } else if (code === 'ER_BAD_DB_ERROR') {
    why = `the database "${p.database ?? ''}" does not exist`;
  } else if (code === 'HANDSHAKE_NO_SSL_SUPPORT') {
    why = `the server does not accept TLS, which ssl-mode=${p.sslMode} requires`;
    hint =
      'Use ssl-mode=PREFERRED (TLS when the server offers it) or DISABLED, or turn TLS on at the server (ssl-cert, ssl-key).';
  } else if (/secure transport|insecure transport/i.test(message)) {
    why = `the server accepts only encrypted connections (${message})`;
    hint = `Use ssl-mode=PREFERRED or REQUIRED (this one was ${p.sslMode}).`;
  } else if (CERTIFICATE.test(`${code} ${message}`)) {
    why = `the server's certificate was not accepted (${message})`;
    hint = `ssl-mode=${p.sslMode} checks it against ${p.sslCa ?? 'ssl-ca'}: give the CA that signed it with ssl-ca, or use ssl-mode=REQUIRED to encrypt without checking.`;
  } else if (code === 'ETIMEDOUT' || /timeout/i.test(message)) {
    why = `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`;
  }
  return new RowbackError('connection', `Cannot connect to ${p.label}: ${why}.`, {
    cause: error,
    ...(hint ? { hint } : {}),
    details: code ? { code } : undefined,
  });
}
