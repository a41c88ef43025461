import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { RowbackError } from '../../core/errors.js';
import type { PgParams } from './params.js';

/**
 * sslmode with libpq's meanings. Each mode is a list of attempts in order: `false` is a plain connection,
 * an object is TLS with those options. A later attempt is made only when the server refused the earlier
 * one's kind of connection (see `fallsBack`).
 *
 * - disable: plain only. allow: plain, then TLS. prefer (the default): TLS, then plain.
 * - require: TLS without checking the certificate (a self-signed one is fine, as with psql), unless a
 *   root certificate is at hand (sslrootcert, or ~/.postgresql/root.crt): then as verify-ca.
 * - verify-ca: the certificate must chain to the root certificate. verify-full: and name the host.
 */
export type Attempt = false | ConnectionOptions;

export function tlsAttempts(p: PgParams): Attempt[] {
  const socket = p.host.startsWith('/');
  switch (p.sslmode) {
    case 'disable':
      return [false];
    case 'allow':
      return socket ? [false] : [false, unverified(p)];
    case 'prefer':
      return socket ? [false] : [unverified(p), false];
    case 'require':
      if (socket) throw tlsOverSocket(p);
      return [p.sslrootcert ? verified(p, false) : unverified(p)];
    case 'verify-ca':
    case 'verify-full':
      if (socket) throw tlsOverSocket(p);
      return [verified(p, p.sslmode === 'verify-full')];
  }
}

/**
 * Whether a failed attempt lets the next one go ahead: the server does not do TLS at all, or pg_hba.conf
 * has no line for this kind of connection (hostssl / hostnossl) — as libpq retries.
 */
export function fallsBack(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  if (/does not support SSL/i.test(e?.message ?? '')) return true;
  return e?.code === '28000' && /pg_hba\.conf/.test(e.message ?? '');
}

function unverified(p: PgParams): ConnectionOptions {
  return { rejectUnauthorized: false, ...clientCertificate(p) };
}

function verified(p: PgParams, checkName: boolean): ConnectionOptions {
  const ca = rootCertificate(p);
  return {
    rejectUnauthorized: true,
    ...(ca === undefined ? {} : { ca }),
    ...clientCertificate(p),
    // pg names the host for the check only when it is not an IP address; say it always.
    ...(checkName ? { host: p.host } : { checkServerIdentity: () => undefined }),
  };
}

/** The CA certificates to trust; undefined for `system` (Node's own list). */
function rootCertificate(p: PgParams): string | undefined {
  if (p.sslrootcert === 'system') return undefined;
  if (!p.sslrootcert) {
    throw new RowbackError(
      'connection',
      `sslmode=${p.sslmode} needs a root certificate to check the server's against, and none was given.`,
      {
        hint: 'Give it with sslrootcert=/path/ca.pem in the URL (or PGSSLROOTCERT, or ~/.postgresql/root.crt), use sslrootcert=system with verify-full for a public CA, or use sslmode=require to encrypt without checking.',
      },
    );
  }
  return readFile(p.sslrootcert, 'root certificate (sslrootcert)');
}

function clientCertificate(p: PgParams): { cert?: string; key?: string } {
  if (!p.sslcert || !p.sslkey) return {};
  return {
    cert: readFile(p.sslcert, 'client certificate (sslcert)'),
    key: readFile(p.sslkey, 'client key (sslkey)'),
  };
}

function readFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new RowbackError('connection', `Cannot read the ${what} ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function tlsOverSocket(p: PgParams): RowbackError {
  return new RowbackError(
    'usage',
    `sslmode=${p.sslmode} asks for TLS, which a Unix socket (${p.host}) does not do.`,
    {
      hint: 'Give the host name or address to connect over TCP, or use sslmode=prefer.',
    },
  );
}
