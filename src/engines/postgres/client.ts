import pg from 'pg';
import { RowbackError } from '../../core/errors.js';
import { registerSecret, registerUrlSecrets } from '../../core/redact.js';
import type { AskPassword } from '../engine.js';
import { type PgParams, resolveParams } from './params.js';
import { lookupPgpass } from './pgpass.js';
import { fallsBack, tlsAttempts } from './tls.js';

/** Every value comes back as the server's own text: no JS numbers, Dates or Buffers. */
const RAW_TEXT: pg.CustomTypesConfig = {
  getTypeParser: (() => (value: string) => value) as unknown as pg.CustomTypesConfig['getTypeParser'],
};

export const CONNECT_TIMEOUT_MS = 10_000;

/** How to open more clients to the same place (a cancel helper), with the password already known. */
export interface ClientRecipe {
  params: PgParams;
  passwords: Passwords;
}

/**
 * The password, from wherever libpq would take it, only once the server asks for one: the URL,
 * PGPASSWORD, ~/.pgpass, else the person at the terminal (through `askPassword`).
 */
export class Passwords {
  private typed: string | undefined;
  private file: Promise<{ password?: string; note?: string }> | undefined;

  constructor(
    private readonly params: PgParams,
    private readonly askPassword: AskPassword | undefined,
  ) {}

  /** For pg, when the server asks. Throws NEED_PASSWORD when only a person could answer. */
  async forServer(): Promise<string> {
    if (this.params.password !== undefined) return this.params.password;
    if (this.typed !== undefined) return this.typed;
    this.file ??= lookupPgpass(this.params);
    const found = await this.file;
    if (found.password !== undefined) return found.password;
    throw NEED_PASSWORD;
  }

  /** Asks the person (the connection that needed it is closed meanwhile, so no timeout runs). */
  async ask(): Promise<void> {
    const typed = await this.askPassword?.({ target: this.params.label, user: this.params.user });
    if (typed === undefined) throw await this.noPassword();
    registerSecret(typed);
    this.typed = typed;
  }

  get asked(): boolean {
    return this.typed !== undefined;
  }

  private async noPassword(): Promise<RowbackError> {
    const note = (await this.file)?.note;
    return new RowbackError(
      'connection',
      `Cannot connect to ${this.params.label}: the server asks for a password and none was supplied.`,
      {
        hint: `Give it in PGPASSWORD or ~/.pgpass (chmod 600), or in the URL, percent-encoded; run at a terminal, rowback asks for it.${note ? ` ${note}` : ''}`,
      },
    );
  }
}

const NEED_PASSWORD = new Error('a password is needed');

/**
 * Connects to a PostgreSQL URL as libpq would (environment defaults, sslmode, ~/.pgpass, a password
 * prompt) and returns the client with how it got there. Throws RowbackError('connection' or 'usage').
 */
export async function openClient(
  url: string,
  applicationName: string,
  askPassword?: AskPassword,
): Promise<{ client: pg.Client; recipe: ClientRecipe }> {
  registerUrlSecrets(url);
  const params = resolveParams(url);
  if (params.password !== undefined) registerSecret(params.password);
  const recipe = { params, passwords: new Passwords(params, askPassword) };
  return { client: await connectWith(recipe, applicationName), recipe };
}

/** Opens one more client the way `recipe` says, asking nobody. */
export async function connectWith(recipe: ClientRecipe, applicationName: string): Promise<pg.Client> {
  const { params, passwords } = recipe;
  const attempts = tlsAttempts(params);
  for (let i = 0; ; ) {
    const client = new pg.Client({
      host: params.host,
      port: params.port,
      user: params.user,
      database: params.database,
      password: () => passwords.forServer(),
      ssl: attempts[i]!,
      types: RAW_TEXT,
      application_name: applicationName,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      ...(params.options ? { options: params.options } : {}),
    });
    // A server that goes away between statements emits 'error'; the next query reports it.
    client.on('error', () => {});
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => {});
      if (error === NEED_PASSWORD) {
        await passwords.ask();
        continue;
      }
      if (i + 1 < attempts.length && fallsBack(error)) {
        i++;
        continue;
      }
      if (error instanceof RowbackError) throw error;
      throw connectError(params, error, passwords.asked);
    }
  }
}

/** Explains a failed connect in words a user can act on, naming the label only. */
function connectError(p: PgParams, error: unknown, typed: boolean): RowbackError {
  const e = error as { code?: string; message?: string };
  const code = e?.code ?? '';
  const message = e?.message ?? String(error);
  let why = message;
  let hint: string | undefined;
  if (code === 'ECONNREFUSED' || code === 'ENOENT') {
    why = 'the connection was refused (is the server running and listening on that host and port?)';
  } else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    why = 'the host name is unknown';
  } else if (code === '28P01') {
    why = `password authentication failed for user "${p.user}"`;
    hint = typed
      ? 'The password typed was not accepted; run again to retype it.'
      : "Check the password (URL, PGPASSWORD or ~/.pgpass); in a URL, a '%' in it must be written %25.";
  } else if (code === '28000') {
    why = `the server refused this connection (${message})`;
    hint = /SSL|encryption/i.test(message)
      ? `pg_hba.conf wants a different kind of connection: try another sslmode (this one was ${p.sslmode}).`
      : 'Check the user name, and that pg_hba.conf allows this user from this host.';
  } else if (code === '3D000') {
    why = `the database "${p.database}" does not exist`;
  } else if (/does not support SSL/i.test(message)) {
    why = `the server does not accept TLS, which sslmode=${p.sslmode} requires`;
    hint = 'Use sslmode=prefer (TLS when the server offers it) or disable, or turn ssl on at the server.';
  } else if (/certificate|self[- ]signed|altname|CERT_/i.test(`${code} ${message}`)) {
    why = `the server's certificate was not accepted (${message})`;
    hint = `sslmode=${p.sslmode} checks it against ${p.sslrootcert ?? 'the root certificate'}: give the CA that signed it with sslrootcert, or use sslmode=require to encrypt without checking.`;
  } else if (/timeout/i.test(message)) {
    why = `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`;
  }
  return new RowbackError('connection', `Cannot connect to ${p.label}: ${why}.`, {
    cause: error,
    ...(hint ? { hint } : {}),
  });
}
