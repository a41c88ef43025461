import { Readable } from 'node:stream';
import type mysql from 'mysql2';
import { RowbackError } from '../../core/errors.js';
import type { ConnectOptions, SessionProfile } from '../engine.js';
import { type BaseOptions, connectClient } from './client.js';
import { wrapServerError } from './errors.js';
import { pinSession } from './pin.js';
import { type RowPacket, TextRowEncoder } from './text-rows.js';

/** Chunks of a result set ready and not yet taken before the socket pauses. */
const WAITING_CHUNKS = 4;

/** One row as the server sent it: each value the raw bytes of the text protocol, or null. */
export type RawRow = (Buffer | null)[];

/** What a statement without a result set reports. */
export interface Outcome {
  affectedRows: number;
  warningStatus: number;
  info: string;
}

/**
 * One pinned session over mysql2. Every value arrives as the raw bytes of the text protocol (`typeCast:
 * false`), so no value ever becomes a JS number or Date; rows arrive as arrays.
 */
export class Session {
  /** Set by `cancel`: every later statement fails, so the caller rolls back. */
  cancelled = false;
  /** The rowback table lock (GET_LOCK name) this session holds until its transaction ends. */
  heldLock: string | undefined;
  /** Foreign key checks are off for a moment inside the transaction; ending it turns them back on. */
  checksSuspended = false;
  /**
   * A session that only reads and is closed after: a read stopped early drops the connection instead of
   * reading the rest of the result set off the socket (an error or Ctrl-C would otherwise wait for it).
   */
  readOnlyOnce = false;
  /** What openSession pinned (sql_mode, lock wait in seconds): a session opened beside it pins the same. */
  pinned = { sqlMode: '', lockWaitSeconds: 0 };

  constructor(
    readonly raw: mysql.Connection,
    readonly options: mysql.ConnectionOptions,
    readonly redactedUrl: string,
  ) {}

  get threadId(): number {
    return this.raw.threadId ?? 0;
  }

  /** Runs one statement; rows come back as arrays of raw bytes. */
  run<T = RawRow[]>(sql: string, values?: unknown[], extra: Partial<mysql.QueryOptions> = {}): Promise<T> {
    if (this.cancelled) return Promise.reject(interrupted());
    return new Promise((resolve, reject) => {
      this.raw.query({ sql, values, rowsAsArray: true, typeCast: false, ...extra }, (error, result) => {
        if (error) reject(error);
        else resolve(result as T);
      });
    });
  }

  /** Runs a statement that returns no rows. */
  exec(sql: string, values?: unknown[]): Promise<Outcome> {
    return this.run<Outcome>(sql, values);
  }

  /** Rows with every value decoded as UTF-8 text (for catalog queries). */
  async text(sql: string, values?: unknown[]): Promise<(string | null)[][]> {
    const rows = await this.run(sql, values);
    return rows.map((row) => row.map((v) => (v === null ? null : v.toString('utf8'))));
  }

  /** The first column of the first row, as text. */
  async scalar(sql: string, values?: unknown[]): Promise<string | null> {
    const rows = await this.text(sql, values);
    return rows[0]?.[0] ?? null;
  }

  /**
   * Streams a result set with backpressure (the socket pauses while the consumer is busy). A consumer that
   * stops early leaves the rest to be drained, so the session stays usable.
   */
  async *stream(sql: string, values?: unknown[]): AsyncIterable<RawRow> {
    if (this.cancelled) throw interrupted();
    const query = this.raw.query({ sql, values, rowsAsArray: true, typeCast: false });
    const rows = query.stream({ highWaterMark: 1000 });
    const finished = new Promise<void>((resolve) => {
      rows.once('end', resolve);
      rows.once('close', resolve);
      rows.once('error', () => resolve());
    });
    try {
      // Not destroyed on an early return: the rest of the result set must still be read off the socket.
      for await (const row of rows.iterator({ destroyOnReturn: false })) yield row as RawRow;
    } finally {
      if (!rows.readableEnded && !rows.destroyed) {
        rows.on('data', () => {});
        rows.resume();
      }
      await finished;
    }
  }

  /**
   * Streams a result set in the text row format, written from the packets as they arrive (see
   * TextRowEncoder) without the last `drop` fields; `check` sees the last field of each row first and
   * may refuse the row (the stream then fails). The socket pauses while a few chunks wait. A consumer that
   * stops early leaves the rest to be drained, so the session stays usable.
   */
  async *textRows(
    sql: string,
    drop = 0,
    check?: (flag: Buffer | null) => Error | undefined,
  ): AsyncIterable<Buffer> {
    if (this.cancelled) throw interrupted();
    const raw = this.raw;
    const encoder = new TextRowEncoder(drop, check);
    const query = raw.query({ sql, rowsAsArray: true, typeCast: false });
    let width = 0;
    let paused = false;
    let draining = false;
    let ended = false;
    let flushed = false;
    let failure: unknown;
    let wake = () => {};
    // mysql2 asks this for each row packet (in place of its own parser, which makes a Buffer per field).
    const parser = {
      next: (packet: RowPacket) => {
        if (draining) return null;
        encoder.row(packet, width);
        if (encoder.ready > 0 || encoder.failure) wake();
        if (encoder.ready >= WAITING_CHUNKS && !paused) {
          paused = true;
          raw.pause();
        }
        return null;
      },
    };
    query.on('fields', (fields: unknown[]) => {
      width = fields.length;
    });
    // Our parser returns null for every row: a row here means mysql2 no longer asks it, and the rows
    // would be lost without a word.
    query.on('result', (row: unknown) => {
      if (row === null || failure) return;
      failure = new RowbackError(
        'internal',
        'The MySQL driver did not hand its rows to the reader rowback gave it.',
        {
          hint: 'The installed mysql2 differs from the one rowback was built with; reinstall rowback.',
        },
      );
      draining = true;
      wake();
    });
    Object.defineProperty(query, '_rowParser', { configurable: true, get: () => parser, set: () => {} });
    const finished = new Promise<void>((resolve) => {
      const end = (error?: unknown) => {
        ended = true;
        failure ??= error;
        wake();
        resolve();
      };
      query.once('end', () => end());
      query.once('error', end);
    });
    try {
      for (;;) {
        const chunk = encoder.take();
        if (chunk) {
          yield chunk;
          continue;
        }
        if (encoder.failure) throw encoder.failure;
        if (failure) throw failure;
        if (ended) {
          if (flushed) return;
          flushed = true;
          encoder.flush();
          continue;
        }
        if (paused) {
          paused = false;
          raw.resume();
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = () => {};
      }
    } finally {
      if (!ended) {
        draining = true;
        if (this.readOnlyOnce) {
          raw.destroy();
          (raw as unknown as { stream: { destroy(): void } }).stream.destroy();
        } else {
          if (paused) raw.resume();
          await finished;
        }
      }
    }
  }

  /**
   * `LOAD DATA LOCAL INFILE` fed from a row stream. mysql2 sends each chunk as it comes; the stream given to it
   * pulls the next chunk only while the socket can take more, so memory stays bounded.
   */
  loadData(sql: string, data: AsyncIterable<Buffer>): Promise<Outcome> {
    if (this.cancelled) return Promise.reject(interrupted());
    const socket = (this.raw as unknown as { stream: Pacer }).stream;
    let finished = false;
    // Once the statement is over (or cancelled) the stream ends, so no stray data follows the reply.
    const stop = () => finished || this.cancelled;
    return new Promise((resolve, reject) => {
      this.raw.query(
        { sql, rowsAsArray: true, typeCast: false, infileStreamFactory: () => paced(data, socket, stop) },
        (error, result) => {
          finished = true;
          if (error) reject(error);
          else resolve(result as unknown as Outcome);
        },
      );
    });
  }

  /** Warnings of the last statement, as text (code and message). */
  async warnings(limit = 3): Promise<string[]> {
    const rows = await this.text('SHOW WARNINGS');
    return rows.slice(0, limit).map((r) => `${r[1]}: ${r[2]}`);
  }

  wrap(error: unknown, doing: string): RowbackError {
    if (this.cancelled) return interrupted(error);
    return wrapServerError(error, doing, this.redactedUrl);
  }

  /** Ends the session (an open transaction rolls back); a broken socket is simply dropped. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.raw.destroy();
        resolve();
      };
      const timer = setTimeout(done, 2000);
      try {
        this.raw.end(done);
      } catch {
        done();
      }
    });
  }
}

function interrupted(cause?: unknown): RowbackError {
  return new RowbackError('interrupted', 'Interrupted; the transaction was rolled back.', { cause });
}

/** mysql2 writes one protocol packet per chunk; keep chunks well under the 16 MiB packet limit. */
const MAX_CHUNK = 1 << 20;

type Pacer = {
  writableNeedDrain?: boolean;
  once: (e: string, f: () => void) => unknown;
  removeListener: (e: string, f: () => void) => unknown;
};

function paced(data: AsyncIterable<Buffer>, socket: Pacer, stop: () => boolean): Readable {
  const iterator = data[Symbol.asyncIterator]();
  return new Readable({
    highWaterMark: 1 << 20,
    async read() {
      try {
        if (socket.writableNeedDrain) {
          // Whichever comes first: the other listener goes too, or a long load piles them up on the socket.
          await new Promise<void>((r) => {
            const done = () => {
              socket.removeListener('drain', done);
              socket.removeListener('close', done);
              r();
            };
            socket.once('drain', done);
            socket.once('close', done);
          });
        }
        let next = await iterator.next();
        while (!next.done && next.value.length === 0) next = await iterator.next();
        if (next.done || stop()) {
          this.push(null);
          return;
        }
        const chunk = next.value;
        for (let i = 0; i < chunk.length; i += MAX_CHUNK) this.push(chunk.subarray(i, i + MAX_CHUNK));
      } catch (error) {
        this.destroy(error as Error);
      }
    },
    destroy(error, callback) {
      void iterator.return?.();
      callback(error);
    },
  });
}

/** How the session talks: every value as raw text-protocol bytes, utf8mb4, no JS numbers or Dates. */
export function baseOptions(
  options: Pick<ConnectOptions, 'applicationName' | 'multipleStatements'>,
): BaseOptions {
  return {
    charset: 'UTF8MB4_BIN',
    typeCast: false,
    rowsAsArray: true,
    multipleStatements: options.multipleStatements === true,
    // mysql2 asks for IGNORE_SPACE by default, which the server adds to the session's sql_mode.
    flags: ['-IGNORE_SPACE'],
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    connectAttributes: { program_name: options.applicationName ?? 'rowback' },
  };
}

/**
 * How long a statement may wait for a lock (a row, a table, rowback's own per-table lock) before it fails
 * as busy, unless `ConnectOptions.lockTimeoutMs` (--lock-timeout) says otherwise. MySQL counts whole
 * seconds, so a shorter wish is rounded up.
 */
export const LOCK_WAIT_MS = 10_000;

/**
 * Opens a session the way the mysql client connects (see client.ts) and pins it: UTC, utf8mb4 both ways
 * (binary columns stay raw), the target's sql_mode, the lock wait.
 */
export async function openSession(
  url: string,
  options: ConnectOptions = {},
): Promise<{ session: Session; profile: SessionProfile }> {
  const { raw, config, params } = await connectClient(url, baseOptions(options), options.askPassword);
  const session = new Session(raw, config, params.label);
  try {
    const own = (await session.scalar('SELECT @@SESSION.sql_mode')) ?? '';
    const seconds = Math.max(1, Math.ceil((options.lockTimeoutMs ?? LOCK_WAIT_MS) / 1000));
    await pin(session, { sqlMode: options.profile?.sql_mode ?? own, lockWaitSeconds: seconds });
    return { session, profile: { sql_mode: own } };
  } catch (error) {
    raw.destroy();
    throw session.wrap(error, 'while setting up the session');
  }
}

async function pin(session: Session, pinned: Session['pinned']): Promise<void> {
  session.pinned = pinned;
  await pinSession(session, pinned.sqlMode);
  const seconds = pinned.lockWaitSeconds;
  await session.exec(
    `SET SESSION innodb_lock_wait_timeout = ${seconds}, SESSION lock_wait_timeout = ${seconds}`,
  );
}

/**
 * One more session to the same server as `session`, pinned the same, asking nobody (the password is
 * already in its options): reads the target while `session` writes (see Connection.readBeside).
 */
export async function openBeside(session: Session): Promise<Session> {
  const { default: driver } = await import('mysql2');
  const raw = driver.createConnection({
    ...session.options,
    connectAttributes: { program_name: 'rowback-read' },
  });
  // A session that goes away between statements emits 'error'; the next statement reports it.
  raw.on('error', () => {});
  const beside = new Session(raw, session.options, session.redactedUrl);
  beside.readOnlyOnce = true;
  try {
    await beside.run('SELECT 1');
    await pin(beside, session.pinned);
    return beside;
  } catch (error) {
    raw.destroy();
    throw beside.wrap(error, 'while opening a second session to read the target');
  }
}

/** A short-lived second session that cancels the statement running on `target` (Ctrl-C). */
export async function killQuery(target: Session): Promise<void> {
  const { default: driver } = await import('mysql2');
  const raw = driver.createConnection({
    ...target.options,
    connectAttributes: { program_name: 'rowback-cancel' },
  });
  raw.on('error', () => {});
  try {
    await new Promise<void>((resolve, reject) =>
      raw.query(`KILL QUERY ${Number(target.threadId)}`, (error) => (error ? reject(error) : resolve())),
    );
  } finally {
    raw.destroy();
  }
}
