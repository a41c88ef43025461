import type pg from 'pg';
import type { ConnectOptions } from '../engine.js';
import { type ClientRecipe, connectWith, openClient } from './client.js';
import { mapError } from './errors.js';

/**
 * Settings that decide how values are written as text. Pinned on every session, source and target alike,
 * so that the same value always has the same bytes.
 */
export const PINNED_SETTINGS: Record<string, string> = {
  client_encoding: 'UTF8',
  DateStyle: 'ISO, YMD',
  IntervalStyle: 'postgres',
  TimeZone: 'UTC',
  extra_float_digits: '3',
  bytea_output: 'hex',
  // money's text follows lc_monetary; two servers with different locales would not read each other's.
  lc_monetary: 'C',
  // Literals rowback builds (and a script's) must not depend on a server or role still using escapes.
  standard_conforming_strings: 'on',
  // Input, not output: with array_nulls off `{1,NULL}` would be read as the string 'NULL', and under
  // xmloption document an XML fragment would be refused.
  array_nulls: 'on',
  xmloption: 'content',
  // Type names from format_type() would come quoted ("mood") on one server and not on the other.
  quote_all_identifiers: 'off',
};

/**
 * How long any statement may wait for a lock (a table held by a migration, rows held by a long
 * transaction) before rowback gives up with an error naming what it waited for, instead of hanging.
 * `ConnectOptions.lockTimeoutMs` (--lock-timeout) changes it.
 */
export const LOCK_WAIT_MS = 10_000;

/**
 * Settings that keep a session whole whatever the role or database says. Timeouts would cut long
 * statements and transactions short, reported as a mysterious cancel; lock waits are bounded instead
 * (LOCK_WAIT_MS, see also lockTarget). `row_security = off` makes a table whose row-level security
 * policies would hide rows from this role fail loudly instead of reading (or comparing against) a silent
 * subset, as pg_dump does. `transaction_timeout` exists from PostgreSQL 17 on; settings a server lacks
 * are skipped.
 */
const SESSION_SAFETY: Record<string, string> = {
  statement_timeout: '0',
  idle_in_transaction_session_timeout: '0',
  transaction_timeout: '0',
  row_security: 'off',
  // The apply re-plans right after LOCK and must see every write committed before it; under the lock no
  // writer interleaves, so a stricter default would only add serialization failures.
  default_transaction_isolation: 'read committed',
  // PostgreSQL 14+: a rowback killed mid-statement (kill -9, lost network) releases the table lock within
  // a second, instead of when the statement would have ended.
  client_connection_check_interval: '1s',
};

/** One open session plus what cancel and error messages need. */
export interface PgSession {
  client: pg.Client;
  /** How to open a second client to the same place (the cancel helper). */
  recipe: ClientRecipe;
  /** Where the session is: host and port actually reached, never the password. */
  redactedUrl: string;
  /** The session's lock_timeout, as PostgreSQL writes it (`10s`, `2500ms`). */
  lockTimeout: string;
  /** The settings pinned on it, pinned the same on a session opened beside it. */
  settings: Record<string, string>;
  applicationName: string;
  backendPid: number;
  /** Set by cancel(): the next failure is reported as 'interrupted'. */
  cancelled: boolean;
  closed: boolean;
  /** A counter for unique temporary table names in this session. */
  nextId: number;
  /** Between begin() and commit() / rollback(): plans then live as long as the transaction. */
  inTransaction: boolean;
  /** exec() may run several statements at once (scenes for tests, the demo, the bench). */
  multipleStatements: boolean;
  /** The database's encoding, once asked (it cannot change while the session lasts). */
  serverEncoding?: string;
}

/** Opens a session: connect, pin settings, apply the target's profile. */
export async function openSession(url: string, options: ConnectOptions = {}): Promise<PgSession> {
  const applicationName = options.applicationName ?? 'rowback';
  const { client, recipe } = await openClient(url, applicationName, options.askPassword);
  const lockTimeout = pgDuration(options.lockTimeoutMs ?? LOCK_WAIT_MS);
  const settings: Record<string, string> = {
    ...(options.profile ?? {}),
    ...PINNED_SETTINGS,
    ...SESSION_SAFETY,
    lock_timeout: lockTimeout,
    // A source is only ever read: the server refuses a write, should one be attempted.
    ...(options.readOnly ? { default_transaction_read_only: 'on' } : {}),
  };
  return pinSession(client, recipe, {
    applicationName,
    lockTimeout,
    settings,
    multipleStatements: options.multipleStatements === true,
  });
}

/**
 * One more session to the same place with the same settings, asking nobody (the password already
 * given): reads the target while `session` writes (see Connection.readBeside).
 */
export async function openBeside(session: PgSession): Promise<PgSession> {
  const applicationName = `${session.applicationName} (read)`;
  const client = await connectWith(session.recipe, applicationName);
  return pinSession(client, session.recipe, {
    applicationName,
    lockTimeout: session.lockTimeout,
    settings: session.settings,
    multipleStatements: false,
  });
}

async function pinSession(
  client: pg.Client,
  recipe: ClientRecipe,
  pin: {
    applicationName: string;
    lockTimeout: string;
    settings: Record<string, string>;
    multipleStatements: boolean;
  },
): Promise<PgSession> {
  const redactedUrl = recipe.params.label;
  try {
    const { settings } = pin;
    const names = Object.keys(settings);
    const values = names.map((n) => settings[n]!);
    // First on its own: a role's tiny statement_timeout could otherwise cancel the pinning itself.
    await client.query('SET statement_timeout = 0');
    // count() makes every set_config run (a LIMIT or a lazy plan could skip some).
    const result = await client.query<{ pid: string }>(
      `SELECT count(set_config(n, v, false))::text AS n, pg_backend_pid()::text AS pid
       FROM unnest($1::text[], $2::text[]) AS s(n, v)
       WHERE NOT (n = ANY ($3::text[])) OR EXISTS (SELECT 1 FROM pg_settings WHERE name = n)`,
      [names, values, Object.keys(SESSION_SAFETY)],
    );
    const session: PgSession = {
      client,
      recipe,
      redactedUrl,
      lockTimeout: pin.lockTimeout,
      settings,
      applicationName: pin.applicationName,
      backendPid: Number(result.rows[0]!.pid),
      cancelled: false,
      closed: false,
      nextId: 1,
      inTransaction: false,
      multipleStatements: pin.multipleStatements,
    };
    client.on('end', () => {
      session.closed = true;
    });
    return session;
  } catch (error) {
    await client.end().catch(() => {});
    throw mapError(error, `setting up the session on ${redactedUrl}`);
  }
}

/**
 * Asks the server to cancel whatever this session runs now, from a second short-lived connection
 * (the protocol's own cancel would do too, but this one reports failures like any query).
 */
export async function cancelBackend(session: PgSession): Promise<void> {
  const helper = await connectWith(session.recipe, `${session.applicationName} (cancel)`);
  try {
    await helper.query('SELECT pg_cancel_backend($1::int)', [session.backendPid]);
  } finally {
    await helper.end().catch(() => {});
  }
}

/** Milliseconds as a PostgreSQL duration setting: `10s`, `2500ms`. */
function pgDuration(ms: number): string {
  const whole = Math.max(1, Math.round(ms));
  return whole % 1000 === 0 ? `${whole / 1000}s` : `${whole}ms`;
}
