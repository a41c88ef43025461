import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { SslOptions } from 'mysql2';
import { RowbackError } from '../../core/errors.js';
import type { MysqlParams } from './params.js';

/**
 * ssl-mode with the mysql client's meanings. Each mode is a list of attempts in order: `false` is a plain
 * connection, an object is TLS with those options. The next attempt is made only when the server does not
 * do TLS at all (see `fallsBack`), which it says before any credential is sent.
 *
 * - DISABLED: plain. PREFERRED (the default): TLS, else plain.
 * - REQUIRED: TLS without checking the certificate (a self-signed one is fine, as with the client).
 * - VERIFY_CA: the certificate must chain to ssl-ca. VERIFY_IDENTITY: and name the host.
 *
 * Over a Unix socket nothing crosses the network: the clients send it in the clear, and REQUIRED is met
 * (the server counts a socket as a secure transport); the VERIFY modes have no certificate to check.
 */
export type Attempt = false | SslOptions;

export function tlsAttempts(p: MysqlParams): Attempt[] {
  if (p.socket) {
    if (p.sslMode === 'VERIFY_CA' || p.sslMode === 'VERIFY_IDENTITY') throw verifyOverSocket(p);
    return [false];
  }
  switch (p.sslMode) {
    case 'DISABLED':
      return [false];
    case 'PREFERRED':
      return [unverified(p), false];
    case 'REQUIRED':
      return [unverified(p)];
    case 'VERIFY_CA':
    case 'VERIFY_IDENTITY':
      return [verified(p, p.sslMode === 'VERIFY_IDENTITY')];
  }
}

/** Whether a failed attempt lets the next one go ahead: the server's handshake offered no TLS. */
export function fallsBack(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'HANDSHAKE_NO_SSL_SUPPORT';
}

function unverified(p: MysqlParams): SslOptions {
  return { rejectUnauthorized: false, ...clientCertificate(p) };
}

function verified(p: MysqlParams, checkName: boolean): SslOptions {
  // mysql2 checks the name only for a host name: for an address it would check "localhost" instead.
  if (checkName && isIP(p.host)) {
    throw new RowbackError(
      'usage',
      `ssl-mode=VERIFY_IDENTITY checks that the server's certificate names the host, and ${p.host} is an address.`,
      {
        hint: 'Give the host by the name its certificate carries (mysql://user@db.example.com/app), or use ssl-mode=VERIFY_CA to check the certificate without the name.',
      },
    );
  }
  if (!p.sslCa) {
    throw new RowbackError(
      'usage',
      `ssl-mode=${p.sslMode} needs a CA certificate to check the server's against, and none was given.`,
      {
        hint: 'Give it with ssl-ca=/path/ca.pem in the URL or in ~/.my.cnf [client] (for a public CA, the system bundle, e.g. /etc/ssl/certs/ca-certificates.crt), or use ssl-mode=REQUIRED to encrypt without checking.',
      },
    );
  }
  return {
    rejectUnauthorized: true,
    verifyIdentity: checkName,
    ca: readFile(p.sslCa, 'CA certificate (ssl-ca)'),
    ...clientCertificate(p),
  };
}

function clientCertificate(p: MysqlParams): { cert?: string; key?: string } {
  if (!p.sslCert || !p.sslKey) return {};
  return {
    cert: readFile(p.sslCert, 'client certificate (ssl-cert)'),
    key: readFile(p.sslKey, 'client key (ssl-key)'),
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

function verifyOverSocket(p: MysqlParams): RowbackError {
  return new RowbackError(
    'usage',
    `ssl-mode=${p.sslMode} checks a TLS certificate, and a Unix socket (${p.socket}) does not do TLS.`,
    { hint: 'Give the host name or address with a port to connect over TCP, or use ssl-mode=REQUIRED.' },
  );
}
