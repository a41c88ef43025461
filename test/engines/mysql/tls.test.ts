import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowbackError } from '../../../src/core/errors.js';
import { openSession } from '../../../src/engines/mysql/connect.js';
import { withEnv } from '../../harness/env.js';
import { runCli, serverUrl, tempDir } from '../../harness/index.js';
import { selfSignedCertificate } from '../postgres/secure-server.js';
import { type SecureServer, startSecureMariaDb } from './secure-server.js';

let named: SecureServer;
let strict: SecureServer;

beforeAll(async () => {
  // One certificate naming localhost too; one naming 127.0.0.1 only, on a server that refuses plain TCP.
  [named, strict] = await Promise.all([
    startSecureMariaDb({ altNames: ['DNS:localhost'] }),
    startSecureMariaDb({ secureTransport: true }),
  ]);
}, 180_000);

afterAll(async () => {
  await Promise.all([named?.server.stop(), strict?.server.stop()]);
});

const url = (s: SecureServer, query = '', host = '127.0.0.1') =>
  `mysql://root@${host}:${s.server.port}/app${query}`;

/** Nothing from the developer's own option files: HOME without a .my.cnf. */
const cleanHome = async () => ({ HOME: await tempDir(), MYSQL_HOME: undefined, MARIADB_HOME: undefined });

/** Whether a session opened on `target` is encrypted, as the server sees it. */
async function encrypted(target: string): Promise<boolean> {
  const { session } = await openSession(target);
  try {
    return (await session.text("SHOW SESSION STATUS LIKE 'Ssl_cipher'"))[0]?.[1] !== '';
  } finally {
    await session.close();
  }
}

async function refusal(target: string): Promise<RowbackError> {
  return openSession(target).then(
    async ({ session }) => {
      await session.close();
      throw new Error(`connected to ${target}`);
    },
    (error: unknown) => error as RowbackError,
  );
}

describe('MySQL/MariaDB TLS with the mysql client ssl-mode meanings', () => {
  it('prefers TLS by default, and encrypts without checking the certificate under REQUIRED (self-signed)', async () => {
    await withEnv(await cleanHome(), async () => {
      expect(await encrypted(url(named))).toBe(true);
      expect(await encrypted(url(named, '?ssl-mode=PREFERRED'))).toBe(true);
      expect(await encrypted(url(named, '?ssl-mode=REQUIRED'))).toBe(true);
      expect(await encrypted(url(named, '?ssl-mode=required'))).toBe(true);
      expect(await encrypted(url(named, '?ssl-mode=DISABLED'))).toBe(false);
      expect(await encrypted(url(named, '?sslmode=disable'))).toBe(false);
    });
  });

  it('reads ssl-mode and ssl-ca from ~/.my.cnf [client] when the URL says nothing, and the URL wins', async () => {
    const env = await cleanHome();
    await withEnv(env, async () => {
      const cnf = join(env.HOME, '.my.cnf');
      await writeFile(cnf, '[client]\nssl-mode = DISABLED\n', { mode: 0o600 });
      expect(await encrypted(url(named))).toBe(false);
      expect(await encrypted(url(named, '?ssl-mode=REQUIRED'))).toBe(true);
      // MariaDB's spelling: the ssl flag
      await writeFile(cnf, '[client-server]\nskip-ssl\n', { mode: 0o600 });
      expect(await encrypted(url(named))).toBe(false);
      // ssl-ca alone means VERIFY_CA, as the client does: a CA that did not sign it is refused
      const other = await selfSignedCertificate('someone-else');
      await writeFile(cnf, `[client]\nssl_ca = "${other.path}"\n`, { mode: 0o600 });
      const wrong = await refusal(url(named));
      expect(wrong.message).toMatch(/: the server's certificate was not accepted \(.*\)\.$/);
      await writeFile(cnf, `[client]\nssl-ca = ${named.certificate}\n`, { mode: 0o600 });
      expect(await encrypted(url(named))).toBe(true);
    });
  });

  it('checks the certificate against ssl-ca under VERIFY_CA, and the host name too under VERIFY_IDENTITY', async () => {
    await withEnv(await cleanHome(), async () => {
      const missing = await refusal(url(named, '?ssl-mode=VERIFY_CA'));
      expect(missing.code).toBe('usage');
      expect(missing.message).toBe(
        "ssl-mode=VERIFY_CA needs a CA certificate to check the server's against, and none was given.",
      );
      const ca = `ssl-ca=${named.certificate}`;
      expect(await encrypted(url(named, `?ssl-mode=VERIFY_CA&${ca}`))).toBe(true);
      expect(await encrypted(url(named, `?ssl-mode=VERIFY_IDENTITY&${ca}`, 'localhost'))).toBe(true);

      const other = await selfSignedCertificate('someone-else');
      for (const mode of ['VERIFY_CA', 'VERIFY_IDENTITY']) {
        const wrong = await refusal(url(named, `?ssl-mode=${mode}&ssl-ca=${other.path}`, 'localhost'));
        expect(wrong.code).toBe('connection');
        expect(wrong.message).toMatch(/: the server's certificate was not accepted \(.*\)\.$/);
        expect(wrong.hint).toContain('give the CA that signed it with ssl-ca');
      }
      // the strict server's certificate names 127.0.0.1 only: right CA, wrong name
      const strictCa = `ssl-ca=${strict.certificate}`;
      expect(await encrypted(url(strict, `?ssl-mode=VERIFY_CA&${strictCa}`, 'localhost'))).toBe(true);
      const name = await refusal(url(strict, `?ssl-mode=VERIFY_IDENTITY&${strictCa}`, 'localhost'));
      expect(name.message).toMatch(/certificate was not accepted \(.*localhost.*\)\.$/);

      const address = await refusal(url(named, `?ssl-mode=VERIFY_IDENTITY&${ca}`));
      expect(address.code).toBe('usage');
      expect(address.message).toBe(
        "ssl-mode=VERIFY_IDENTITY checks that the server's certificate names the host, and 127.0.0.1 is an address.",
      );
    });
  });

  it('on a server that takes only encrypted connections: PREFERRED encrypts, DISABLED is refused saying why', async () => {
    await withEnv(await cleanHome(), async () => {
      expect(await encrypted(url(strict))).toBe(true);
      // MariaDB refuses it as it refuses a missing password: the hint names the likelier cause
      const error = await refusal(url(strict, '?ssl-mode=DISABLED'));
      expect(error.code).toBe('connection');
      expect(error.message).toBe(
        `Cannot connect to mysql://root@127.0.0.1:${strict.server.port}/app: the server asks for a password and none was supplied.`,
      );
      expect(error.hint).toContain(
        'If the server or account takes only encrypted connections (require_secure_transport, REQUIRE SSL), ssl-mode=DISABLED is why: use PREFERRED.',
      );
    });
  });

  it('on a server without TLS: PREFERRED connects in the clear, REQUIRED fails saying why', async () => {
    await withEnv(await cleanHome(), async () => {
      const plain = await serverUrl('mysql');
      expect(await encrypted(plain)).toBe(false);
      const error = await refusal(`${plain}?ssl-mode=REQUIRED`);
      expect(error.code).toBe('connection');
      expect(error.message).toMatch(/: the server does not accept TLS, which ssl-mode=REQUIRED requires\.$/);
      expect(error.hint).toBe(
        'Use ssl-mode=PREFERRED (TLS when the server offers it) or DISABLED, or turn TLS on at the server (ssl-cert, ssl-key).',
      );
    });
  });

  it('says what is wrong with an ssl-mode that does not exist', async () => {
    const error = await refusal(url(named, '?ssl-mode=VERIFY'));
    expect(error.code).toBe('usage');
    expect(error.message).toBe('"VERIFY" is not an ssl-mode.');
    expect(error.hint).toBe(
      'ssl-mode is one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY (as for the mysql client); the default is PREFERRED.',
    );
  });

  it('prints no Node security warning on the terminal, and labels the run with the host and port reached', async () => {
    const env = { HOME: await tempDir() };
    for (const query of ['?ssl-mode=REQUIRED', '', `?ssl-mode=VERIFY_CA&ssl-ca=${named.certificate}`]) {
      const target = url(named, query);
      const result = await runCli(['diff', 'account', '--from', target, '--to', target, '--no-progress'], {
        env,
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`target: mysql://root@127.0.0.1:${named.server.port}/app`);
    }
  }, 120_000);
});
