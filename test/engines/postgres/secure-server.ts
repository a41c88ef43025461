import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startPostgres } from '../../../src/servers/postgres.js';
import type { RunningServer } from '../../../src/servers/server.js';
import { tempDir } from '../../harness/index.js';
import { sqlClient } from './support.js';

const exec = promisify(execFile);

/** A self-signed certificate for 127.0.0.1 (and any other names given, e.g. `DNS:localhost`), made with openssl. */
export async function selfSignedCertificate(
  name: string,
  altNames: string[] = [],
): Promise<{ crt: string; key: string; path: string }> {
  const dir = await tempDir();
  const crt = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  await exec('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    crt,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-addext',
    `subjectAltName=${['IP:127.0.0.1', ...altNames].join(',')}`,
  ]);
  return { crt: await readFile(crt, 'utf8'), key: await readFile(key, 'utf8'), path: crt };
}

export const SECRET_PASSWORD = 'S3cret-pw:with/odd@chars';

/**
 * A PostgreSQL server as a managed instance is set up: ssl = on with a self-signed certificate, and
 * pg_hba.conf rules by user: `secret` needs a password (scram), `tls_only` may only come over TLS,
 * `plain_only` only without it; the superuser `postgres` is trusted from 127.0.0.1.
 */
export async function startSecureServer(): Promise<{
  server: RunningServer;
  certificate: string;
  db: string;
}> {
  const cert = await selfSignedCertificate('rowback-test-server');
  const server = await startPostgres({
    settings: { ssl: 'on', ssl_cert_file: 'server.crt', ssl_key_file: 'server.key' },
    files: {
      'server.crt': cert.crt,
      'server.key': cert.key,
      'pg_hba.conf': [
        'local all all trust',
        'host all postgres 127.0.0.1/32 trust',
        'hostssl all tls_only 127.0.0.1/32 trust',
        'hostnossl all plain_only 127.0.0.1/32 trust',
        'host all secret 127.0.0.1/32 scram-sha-256',
        '',
      ].join('\n'),
    },
  });
  const admin = await sqlClient(server.url);
  try {
    await admin.query(`CREATE ROLE secret LOGIN PASSWORD '${SECRET_PASSWORD}'`);
    await admin.query('CREATE ROLE tls_only LOGIN');
    await admin.query('CREATE ROLE plain_only LOGIN');
    await admin.query('CREATE DATABASE app');
  } finally {
    await admin.end();
  }
  const app = await sqlClient(server.url.replace(/\/postgres$/, '/app'));
  try {
    await app.query(`CREATE TABLE account (id int PRIMARY KEY, name text);
      INSERT INTO account VALUES (1, 'one'), (2, 'two');
      GRANT SELECT ON account TO secret, tls_only, plain_only`);
  } finally {
    await app.end();
  }
  return { server, certificate: cert.path, db: 'app' };
}
