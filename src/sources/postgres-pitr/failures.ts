import { RowbackError } from '../../core/errors.js';
import { parseSegment, segmentName } from './wal.js';

/** What is known when the throwaway server stopped during recovery, to say why in the user's terms. */
export interface FailureContext {
  what: string;
  /** How the process ended (`exited with code 1`). */
  exited: string;
  /** The server's error lines and log tail. */
  log: string;
  /** The last segment restore_command delivered, if any. */
  lastRestored: string | undefined;
  segmentBytes: number;
  /** Segments in the archive directory (plain archives only), to tell a gap from the end. */
  archived?: string[];
  asOf: string | undefined;
  backupStartTime: string | undefined;
  backupStartSegment: string | undefined;
  restoreCommand: string;
  /** With a restore command: what it printed when rowback ran it for the segment recovery lacked. */
  commandOutput?: string;
}

/** Turns the server's last words into a RowbackError that says what happened, why, and what to do. */
export function explainFailure(context: FailureContext): RowbackError {
  const { log } = context;
  if (/recovery ended before configured recovery target was reached/.test(log)) return walEnded(context);
  if (/requested recovery stop point is before consistent recovery point/.test(log)) {
    return new RowbackError(
      'usage',
      `--as-of ${context.asOf} is before the end of the base backup ${context.what} (it started ${context.backupStartTime ?? 'at an unknown time'}): a backup can only be recovered to moments after it was taken.`,
      { hint: 'Use an older base backup for this moment, or a later --as-of.' },
    );
  }
  if (/could not locate required checkpoint record|could not find redo location/.test(log)) {
    return new RowbackError(
      'not-found',
      `The WAL the base backup starts from (segment ${context.backupStartSegment ?? 'named in backup_label'}) is neither in the backup's pg_wal nor in the archive.`,
      {
        hint: 'Take the backup with its WAL (pg_basebackup -X stream, the default), or check that the archive holds the segment named in backup_label.',
      },
    );
  }
  const commandDied = /could not restore file "([0-9A-F.a-z]+)" from archive: (.*)$/m.exec(log);
  if (commandDied) {
    return new RowbackError(
      'connection',
      `The restore command failed fetching ${commandDied[1]}: ${commandDied[2]}.\n${tail(log)}`,
      { hint: `Run it by hand to see why: ${context.restoreCommand}` },
    );
  }
  return new RowbackError(
    'internal',
    `The throwaway PostgreSQL for ${context.what} stopped during recovery (${context.exited}):\n${tail(log)}`,
  );
}

/** Recovery ran out of WAL before as-of: a gap in the archive, a failing command, or as-of too late. */
function walEnded(context: FailureContext): RowbackError {
  const next = nextSegment(context.lastRestored, context.segmentBytes);
  const later = next && context.archived ? context.archived.filter((name) => name > next) : [];
  if (next && context.archived && later.length > 0) {
    return new RowbackError(
      'not-found',
      `The WAL archive has a gap: segment ${next} is missing (it has ${context.lastRestored} and ${later[0]}), so recovery cannot reach --as-of ${context.asOf}.`,
      {
        hint: 'Find the segment (another archive copy, the primary’s pg_wal) and put it in the archive, or choose an --as-of before the gap.',
      },
    );
  }
  if (!context.archived) {
    const output = context.commandOutput?.trim();
    return new RowbackError(
      'not-found',
      `Recovery stopped before --as-of ${context.asOf}: the restore command did not deliver ${next ?? 'the next WAL segment'}${context.lastRestored ? ` (the last it delivered was ${context.lastRestored})` : ''}.${output ? `\nIts output: ${output}` : ''}`,
      {
        hint: `Either the segment is not in the repository yet (on the primary: SELECT pg_switch_wal();), or it is missing, or the command fails; run it by hand: ${context.restoreCommand}`,
      },
    );
  }
  return new RowbackError(
    'not-found',
    `The archived WAL ends before --as-of ${context.asOf}${context.lastRestored ? `: the last segment is ${context.lastRestored}` : ''}${next ? `, and ${next} is not archived yet` : ''}.`,
    {
      hint: 'On the primary, run SELECT pg_switch_wal(); so the current segment is archived (archive_timeout does it periodically), or choose an earlier --as-of.',
    },
  );
}

function nextSegment(name: string | undefined, segmentBytes: number): string | undefined {
  const segment = name ? parseSegment(name, segmentBytes) : undefined;
  return segment ? segmentName(segment.timeline, segment.index + 1, segmentBytes) : undefined;
}

function tail(log: string): string {
  return log.split('\n').filter(Boolean).slice(-8).join('\n');
}
