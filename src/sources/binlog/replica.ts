import type { Socket } from 'node:net';
import type mysql from 'mysql2';
import { RowbackError } from '../../core/errors.js';
import { connectClient } from '../../engines/mysql/client.js';
import { baseOptions } from '../../engines/mysql/connect.js';
import { type DumpEnd, dumpPayload, errorPacket, PacketReader } from './packets.js';

const COM_BINLOG_DUMP = 0x12;
const COM_REGISTER_SLAVE = 0x15;
/** Send EOF at the end of the last binlog instead of waiting for more events. */
const BINLOG_DUMP_NON_BLOCK = 1;
/** MariaDB: the replica understands GTID events (it gets them as they are, not rewritten as BEGIN). */
const MARIADB_SLAVE_CAPABILITY_GTID = 4;
/** Bytes of events held in memory before the socket is paused. */
const HIGH_WATER = 8 << 20;

export interface DumpOptions {
  /** The binlog file to start in and the position in it (4: its first event). */
  file: string;
  position: number;
  /** The id this replica registers with: unique among the server's replicas (see `pickServerId`). */
  serverId: number;
  /** Stop at the current end of the binlog (true) or wait for new events (false). */
  stopAtEnd: boolean;
}

/** The server ended the dump with an error: its code and message, for the caller to explain. */
export class DumpFailed extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One replication session: a mysql2 connection does the handshake (authentication, TLS), then rowback
 * takes over its socket and speaks the replication commands itself, reading raw events with
 * backpressure. Nothing of mysql2's row parsing is used for events.
 */
export class ReplicaConnection {
  private constructor(
    private readonly raw: mysql.Connection,
    readonly redactedUrl: string,
    readonly mariadb: boolean,
  ) {}

  static async open(url: string): Promise<ReplicaConnection> {
    // The dump reports its own errors; a dropped idle session is reported by the next command.
    const { raw, params } = await connectClient(url, {
      ...baseOptions({ applicationName: 'rowback (binlog)' }),
      database: undefined,
    });
    const version = String((await query(raw, 'SELECT VERSION()'))[0]?.[0] ?? '');
    return new ReplicaConnection(raw, params.label, /mariadb/i.test(version));
  }

  /** Runs a query before the dump starts (the connection is an ordinary session until then). */
  query(sql: string, values?: unknown[]): Promise<(string | null)[][]> {
    return query(this.raw, sql, values);
  }

  /**
   * Streams the raw events from `file:position` on: each a whole event (header, body, checksum if any).
   * Ends at the end of the binlog with `stopAtEnd`; throws DumpFailed when the server ends it with an error.
   * The connection cannot be used for anything else afterwards.
   */
  async *dump(options: DumpOptions): AsyncIterable<Buffer> {
    await this.query('SET @master_binlog_checksum = @@global.binlog_checksum');
    await this.query('SET @source_binlog_checksum = @@global.binlog_checksum');
    if (this.mariadb) await this.query(`SET @mariadb_slave_capability = ${MARIADB_SLAVE_CAPABILITY_GTID}`);
    const socket = takeOver(this.raw);
    const channel = new Channel(socket);
    try {
      channel.send(registerSlave(options.serverId));
      const reply = await channel.next();
      if (reply && reply[0] === 0xff) {
        const end = errorPacket(reply) as Extract<DumpEnd, { kind: 'error' }>;
        throw new DumpFailed(end.code, end.message);
      }
      channel.send(binlogDump(options));
      for (;;) {
        const payload = await channel.next();
        if (!payload) throw new DumpFailed(0, 'the server closed the replication connection');
        const item = dumpPayload(payload);
        if ('event' in item) {
          yield item.event;
        } else if (item.kind === 'eof') {
          return;
        } else {
          throw new DumpFailed(item.code, item.message);
        }
      }
    } finally {
      channel.close();
    }
  }

  close(): void {
    this.raw.destroy();
  }
}

function query(raw: mysql.Connection, sql: string, values?: unknown[]): Promise<(string | null)[][]> {
  return new Promise((resolve, reject) => {
    raw.query({ sql, values, rowsAsArray: true, typeCast: false }, (error, result) => {
      if (error) {
        reject(error);
        return;
      }
      // A CALL answers its result sets followed by a status header: the first set is the procedure's rows.
      const sets = result as unknown[];
      const called = Array.isArray(sets) && sets.length > 0 && !Array.isArray(sets[sets.length - 1]);
      const rows = (called ? sets[0] : Array.isArray(sets) ? sets : []) as (Buffer | null)[][];
      resolve(rows.map((row) => row.map((v) => (v === null ? null : v.toString('utf8')))));
    });
  });
}

/** Detaches mysql2 from its socket (after the handshake) so that rowback reads the dump's packets itself. */
function takeOver(raw: mysql.Connection): Socket {
  const socket = (raw as unknown as { stream: Socket }).stream;
  socket.removeAllListeners('data');
  return socket;
}

/** Packets in, with a queue that pauses the socket while the consumer is behind. */
class Channel {
  private readonly reader = new PacketReader();
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const payload of this.reader.push(chunk)) {
        this.queue.push(payload);
        this.queued += payload.length;
      }
      if (this.queued > HIGH_WATER) socket.pause();
      this.notify();
    });
    const end = () => {
      this.ended = true;
      this.notify();
    };
    socket.once('end', end);
    socket.once('close', end);
    socket.once('error', (error) => {
      this.failure = error;
      end();
    });
  }

  send(payload: Buffer): void {
    const header = Buffer.alloc(4);
    header.writeUIntLE(payload.length, 0, 3);
    header[3] = 0; // every command starts a new sequence
    this.socket.write(Buffer.concat([header, payload]));
  }

  /** The next payload, or undefined once the connection has ended. */
  async next(): Promise<Buffer | undefined> {
    for (;;) {
      const payload = this.queue.shift();
      if (payload) {
        this.queued -= payload.length;
        if (this.queued < HIGH_WATER / 2 && this.socket.isPaused()) this.socket.resume();
        return payload;
      }
      if (this.failure) throw new DumpFailed(0, `the replication connection failed: ${this.failure.message}`);
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  close(): void {
    this.socket.destroy();
  }
}

/** COM_REGISTER_SLAVE: id, empty host / user / password, port 0, rank 0, master id 0. */
function registerSlave(serverId: number): Buffer {
  const payload = Buffer.alloc(1 + 4 + 3 + 2 + 4 + 4);
  payload[0] = COM_REGISTER_SLAVE;
  payload.writeUInt32LE(serverId, 1);
  return payload;
}

/** COM_BINLOG_DUMP: position, flags, server id, file name. */
function binlogDump(options: DumpOptions): Buffer {
  const name = Buffer.from(options.file, 'utf8');
  const payload = Buffer.alloc(1 + 4 + 2 + 4 + name.length);
  payload[0] = COM_BINLOG_DUMP;
  payload.writeUInt32LE(options.position, 1);
  payload.writeUInt16LE(options.stopAtEnd ? BINLOG_DUMP_NON_BLOCK : 0, 5);
  payload.writeUInt32LE(options.serverId, 7);
  name.copy(payload, 11);
  return payload;
}

/**
 * A server id for this replica: random in the upper half of the id space, never the server's own and
 * never one a registered replica uses (registering with a taken id would disconnect that replica).
 */
export async function pickServerId(connection: ReplicaConnection): Promise<number> {
  const taken = new Set<number>();
  const own = await connection.query('SELECT @@server_id');
  taken.add(Number(own[0]?.[0] ?? 0));
  try {
    for (const row of await connection.query('SHOW SLAVE HOSTS')) taken.add(Number(row[0]));
  } catch {
    // without the privilege to list replicas, the random choice alone keeps a clash unlikely
  }
  for (;;) {
    const id = 0x80000000 + Math.floor(Math.random() * 0x7fffffff);
    if (!taken.has(id)) return id;
  }
}

/** Wraps a replication failure in a RowbackError naming the server (redacted) and what to do. */
export function replicationError(error: unknown, redactedUrl: string, doing: string): RowbackError {
  if (error instanceof RowbackError) return error;
  const text = error instanceof Error ? error.message : String(error);
  return new RowbackError('connection', `Reading the binlog of ${redactedUrl} failed ${doing}: ${text}`, {
    hint: 'Check that the server is up and that the user has the REPLICATION SLAVE privilege.',
    cause: error,
  });
}
