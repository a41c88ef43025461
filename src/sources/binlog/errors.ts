import { RowbackError } from '../../core/errors.js';
import { errorCode } from '../../engines/mysql/errors.js';
import { Truncated } from './bytes.js';
import { UnsupportedColumn } from './columns.js';
import { CorruptEvent } from './events.js';
import { BadJson } from './json-binary.js';
import { BadPayload } from './payload.js';
import { Unmatched } from './projection.js';
import { DumpFailed } from './replica.js';
import { BadRows } from './rows.js';
import { type EventRef, ScanRefused } from './scan.js';

/** ER_MASTER_FATAL_ERROR_READING_BINLOG: the dump thread gave up (purged file, id clash, oversized event). */
const FATAL_READING_BINLOG = 1236;
const NO_BINARY_LOGGING = 1381;
/** What a server says when a binlog file it listed is no longer there (purged, expired, removed). */
const GONE = /purge|could not find|not find first log|not found|no such file|could not open log/i;

/**
 * Turns whatever stopped the binlog reading into a RowbackError that says what happened, where in the
 * binlog, and what to do: privileges, binary logging off, files purged while reading, a server id clash,
 * corrupt events, events rowback cannot decode.
 */
export function refusal(error: unknown, at: EventRef | undefined, server: string): RowbackError {
  if (error instanceof RowbackError) return error;
  const where = at ? ` (at ${at.file}:${at.position})` : '';
  const text = error instanceof Error ? error.message : String(error);
  const code = errorCode(error);
  const number = error instanceof DumpFailed ? error.code : Number((error as { errno?: number }).errno ?? 0);
  if (number === NO_BINARY_LOGGING || /not using binary logging/i.test(text)) {
    return new RowbackError(
      'unsupported',
      `Binary logging is off on ${server}: there is no binlog to read.`,
      {
        hint: 'Start the server with log_bin (and binlog_format=ROW, binlog_row_image=FULL); until then restore from a dump or an instance backup. `rowback doctor` checks all of it.',
        cause: error,
      },
    );
  }
  if (
    code === 'ER_SPECIFIC_ACCESS_DENIED_ERROR' ||
    code === 'ER_ACCESS_DENIED_ERROR' ||
    /access denied|privilege/i.test(text)
  ) {
    return new RowbackError('privilege', `The user cannot read the binlog of ${server}: ${text}`, {
      hint: 'Grant it the replication rights: GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO …; (MariaDB ≥ 10.5: REPLICATION SLAVE, BINLOG MONITOR).',
      cause: error,
    });
  }
  // MySQL ends the older dump with 1236, MariaDB with 4052 (ER_SLAVE_SAME_ID): the same words in both.
  if (/same server.?(uuid|id)/i.test(text)) {
    return new RowbackError(
      'connection',
      `Another replica registered with rowback's server id on ${server}${where}: ${text}`,
      {
        hint: 'Run the command again: rowback picks a new random server id each time.',
        cause: error,
      },
    );
  }
  if (error instanceof DumpFailed && GONE.test(text)) {
    return new RowbackError(
      'not-found',
      `A binary log the server listed is gone${where}: it was purged (or removed) while rowback read the binlog of ${server}. ${text}`,
      {
        hint: 'Run again: rowback lists the binary logs anew. If the moment is no longer covered, restore from a dump or an instance backup; keep binlogs longer with binlog_expire_logs_seconds (see `rowback doctor`).',
        cause: error,
      },
    );
  }
  if (number === FATAL_READING_BINLOG) {
    return new RowbackError('connection', `The server stopped sending its binlog${where}: ${text}`, {
      hint: 'If an event is larger than max_allowed_packet, raise it on the server (SET GLOBAL max_allowed_packet = 1073741824) and run again.',
      cause: error,
    });
  }
  if (error instanceof ScanRefused) {
    return new RowbackError('unsupported', `${text}.`, {
      hint:
        error.reason === 'partial-json'
          ? "Set binlog_row_value_options='' so that JSON updates log full rows; this history cannot be read."
          : error.reason === 'incident'
            ? 'Events are missing from the binlog there; restore from a dump or an instance backup.'
            : 'Restore from a dump or an instance backup.',
      cause: error,
    });
  }
  if (error instanceof CorruptEvent) {
    return new RowbackError('unsupported', `The binlog cannot be trusted${where}: ${text}.`, {
      hint: 'A checksum failed or an event is cut short; restore from a dump or an instance backup.',
      cause: error,
    });
  }
  if (error instanceof Unmatched || error instanceof UnsupportedColumn) {
    return new RowbackError('schema-mismatch', `Cannot decode the table's rows${where}: ${text}.`, {
      hint:
        error instanceof Unmatched
          ? 'The table changed since these events were logged. With binlog_row_metadata=FULL the events name their columns; without it, restore from a dump or an instance backup.'
          : 'Restore from a dump or an instance backup.',
      cause: error,
    });
  }
  if (
    error instanceof BadRows ||
    error instanceof BadPayload ||
    error instanceof Truncated ||
    error instanceof BadJson
  ) {
    return new RowbackError('unsupported', `An event cannot be decoded${where}: ${text}.`, {
      hint: 'Restore from a dump or an instance backup.',
      cause: error,
    });
  }
  if (error instanceof DumpFailed) {
    return new RowbackError('connection', `Reading the binlog of ${server} failed${where}: ${text}`, {
      hint: 'Check that the server is up and that the user has the REPLICATION SLAVE privilege.',
      cause: error,
    });
  }
  return new RowbackError('internal', `Reading the binlog of ${server} failed${where}: ${text}`, {
    cause: error,
  });
}
