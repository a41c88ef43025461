import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowbackError } from '../../../src/core/errors.js';
import { openSession } from '../../../src/engines/postgres/connect.js';
import type { RunningServer } from '../../../src/servers/server.js';
import { runCli, tempDir } from '../../harness/index.js';
import { selfSignedCertificate, startSecureServer } from './secure-server.js';
import { serverUrl } from './support.js';

let server: RunningServer;
let certificate: string;
let port: number;

beforeAll(async () => {
  ({ server, certificate } = await startSecureServer());
  port = server.port;
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

const url = (user: string, query = '') => `postgres://${user}@127.0.0.1:${port}/app${query}`;

/** Runs `fn` with these environment variables set (undefined: unset), as a shell would for one command. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Whether a session opened on `target` is encrypted, as the server sees it. */
async function encrypted(target: string): Promise<boolean> {
  const session = await openSession(target);
  try {
    const { rows } = await session.client.query<{ ssl: string }>(
      'SELECT ssl::text AS ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
    );
    return rows[0]?.ssl === 'true';
  } finally {
    await session.client.end();
  }
}

async function refusal(target: string): Promise<RowbackError> {
  return openSession(target).then(
    async (session) => {
      await session.client.end();
      throw new Error(`connected to ${target}`);
    },
    (error: unknown) => error as RowbackError,
  );
}

describe('PostgreSQL TLS with libpq sslmode meanings', () => {
  it('prefers TLS by default, and encrypts without checking the certificate under require (self-signed, as psql)', async () => {
    await withEnv({ PGSSLMODE: undefined }, async () => {
      expect(await encrypted(url('postgres'))).toBe(true);
      expect(await encrypted(url('postgres', '?sslmode=prefer'))).toBe(true);
      expect(await encrypted(url('postgres', '?sslmode=require'))).toBe(true);
      expect(await encrypted(url('postgres', '?sslmode=disable'))).toBe(false);
      expect(await encrypted(url('postgres', '?sslmode=allow'))).toBe(false);
    });
  });

  it('reads PGSSLMODE when the URL says nothing, and the URL wins over it', async () => {
    await withEnv({ PGSSLMODE: 'disable' }, async () => {
      expect(await encrypted(url('postgres'))).toBe(false);
      expect(await encrypted(url('postgres', '?sslmode=require'))).toBe(true);
    });
  });

  it('falls back as libpq does when pg_hba.conf allows only one kind of connection', async () => {
    await withEnv({ PGSSLMODE: undefined }, async () => {
      // prefer: TLS is refused for this user, so plain
      expect(await encrypted(url('plain_only'))).toBe(false);
      // allow: plain is refused for this user, so TLS
      expect(await encrypted(url('tls_only', '?sslmode=allow'))).toBe(true);
      const error = await refusal(url('tls_only', '?sslmode=disable'));
      expect(error.code).toBe('connection');
      expect(error.message).toContain(
        `Cannot connect to postgres://tls_only@127.0.0.1:${port}/app: the server refused`,
      );
      expect(error.hint).toContain('try another sslmode (this one was disable)');
    });
  });

  it('checks the certificate under verify-ca and verify-full against sslrootcert or PGSSLROOTCERT', async () => {
    await withEnv({ PGSSLMODE: undefined, PGSSLROOTCERT: undefined, HOME: await tempDir() }, async () => {
      const missing = await refusal(url('postgres', '?sslmode=verify-ca'));
      expect(missing.message).toBe(
        "sslmode=verify-ca needs a root certificate to check the server's against, and none was given.",
      );
      expect(await encrypted(url('postgres', `?sslmode=verify-ca&sslrootcert=${certificate}`))).toBe(true);
      expect(await encrypted(url('postgres', `?sslmode=verify-full&sslrootcert=${certificate}`))).toBe(true);
      await withEnv({ PGSSLROOTCERT: certificate }, async () => {
        expect(await encrypted(url('postgres', '?sslmode=verify-full'))).toBe(true);
      });
      const other = await selfSignedCertificate('someone-else');
      for (const mode of ['verify-ca', 'verify-full', 'require']) {
        // require with a root certificate at hand checks like verify-ca, as libpq does
        const wrong = await refusal(url('postgres', `?sslmode=${mode}&sslrootcert=${other.path}`));
        expect(wrong.code).toBe('connection');
        expect(wrong.message).toMatch(/: the server's certificate was not accepted \(.*\)\.$/);
        expect(wrong.hint).toContain('give the CA that signed it with sslrootcert');
      }
    });
  });

  it('says what is wrong with an sslmode that does not exist', async () => {
    const error = await refusal(url('postgres', '?sslmode=required'));
    expect(error.code).toBe('usage');
    expect(error.message).toBe('"required" is not an sslmode.');
    expect(error.hint).toBe(
      'sslmode is one of disable, allow, prefer, require, verify-ca, verify-full (as for psql); the default is prefer.',
    );
  });

  it('on a server without TLS: prefer connects in the clear, require fails saying why', async () => {
    const plain = await serverUrl();
    expect(await encrypted(plain)).toBe(false);
    const error = await refusal(`${plain}?sslmode=require`);
    expect(error.code).toBe('connection');
    expect(error.message).toMatch(/: the server does not accept TLS, which sslmode=require requires\.$/);
    expect(error.hint).toBe(
      'Use sslmode=prefer (TLS when the server offers it) or disable, or turn ssl on at the server.',
    );
  });

  it('prints no Node security or deprecation warning on the terminal', async () => {
    for (const query of [
      '?sslmode=require',
      '?sslmode=prefer',
      `?sslmode=verify-ca&sslrootcert=${certificate}`,
    ]) {
      const target = url('postgres', query);
      const result = await runCli(['diff', 'account', '--from', target, '--to', target, '--no-progress']);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain(`target: postgres://postgres@127.0.0.1:${port}/app`);
    }
  });
});
