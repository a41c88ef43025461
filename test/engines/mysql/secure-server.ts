import { dirname, join } from 'node:path';
import { startMariaDb } from '../../../src/servers/mariadb.js';
import type { RunningServer } from '../../../src/servers/server.js';
import { connectClient } from '../../harness/clients.js';
import { SECRET_PASSWORD, selfSignedCertificate } from '../postgres/secure-server.js';

export { SECRET_PASSWORD };

export interface SecureServer {
  server: RunningServer;
  /** The server's self-signed certificate (its own CA), as a file. */
  certificate: string;
  /** The server's Unix socket. */
  socket: string;
}

/**
 * A MariaDB server as a managed instance is set up: TLS with a self-signed certificate for `altNames`
 * (127.0.0.1 always), a user `secret` with a password, and a database `app` holding `account` (1 'one',
 * 2 'two') that `secret` may read and stage against. `root` has no password. With `secureTransport`, only
 * encrypted TCP connections are accepted afterwards (require_secure_transport, as RDS's option does).
 */
export async function startSecureMariaDb(
  options: { altNames?: string[]; secureTransport?: boolean } = {},
): Promise<SecureServer> {
  const cert = await selfSignedCertificate('rowback-test-mariadb', options.altNames ?? []);
  const server = await startMariaDb({
    settings: { 'ssl-cert': 'server.crt', 'ssl-key': 'server.key' },
    files: { 'server.crt': cert.crt, 'server.key': cert.key },
  });
  const admin = await connectClient('mysql', server.url);
  try {
    await admin.exec(`CREATE DATABASE app;
      CREATE TABLE app.account (id int PRIMARY KEY, name varchar(20));
      INSERT INTO app.account VALUES (1, 'one'), (2, 'two');
      CREATE USER 'secret'@'%' IDENTIFIED BY '${SECRET_PASSWORD}';
      GRANT ALL ON app.* TO 'secret'@'%'`);
    if (options.secureTransport) await admin.exec('SET GLOBAL require_secure_transport = ON');
  } finally {
    await admin.close();
  }
  return { server, certificate: cert.path, socket: join(dirname(server.dataDir), 'mysqld.sock') };
}
