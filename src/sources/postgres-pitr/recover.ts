import pg from 'pg';
import { RowbackError } from '../../core/errors.js';
import { type ServerProcess, startProcess, stopProcess } from '../../servers/child.js';
import { commandAs, type OsUser } from '../../servers/os-user.js';
import type { PostgresBinaries } from '../../servers/postgres-binaries.js';
import type { CreateContext } from '../instance/lifecycle.js';
import type { Run } from '../instance/run.js';
import { processStart } from '../instance/state.js';
import { estimateLeft, pollUntil } from '../instance/wait.js';

export interface Recovery {
  server: ServerProcess;
  /** True when the backup started after as-of: recovery paused at the backup's end, not at as-of. */
  backupAfterAsOf: boolean;
  /** Where recovery stopped: the last replayed commit's time, as the server wrote it. */
  replayedUntil: string | null;
  /** The bootstrap superuser, who can read every table of the backup. */
  superuser: string;
  databases: string[];
}

export interface RecoveryTarget {
  binaries: PostgresBinaries;
  major: number;
  user: OsUser | undefined;
  dataDir: string;
  socketDir: string;
  port: number;
  /** Roles worth trying to log in as before the superuser's name is known. */
  roles: string[];
  /** About how many WAL segments replay takes, for progress. */
  segments: number;
  what: string;
  /** The backup's start time as backup_label says it (in the server's zone words) and as-of, to compare. */
  startedVsAsOf?: { started: string; asOf: string };
  /** Why the server stopped, from how it ended, its error lines and the last segment restored. */
  explain(exited: string, log: string, lastRestored: string | undefined): Promise<RowbackError>;
}

/**
 * Starts PostgreSQL on the prepared copy and waits until recovery pauses at the target, with progress
 * from the segments restored. A server that stops instead explains itself through `explainFailure`.
 */
export async function recover(target: RecoveryTarget, run: Run, context: CreateContext): Promise<Recovery> {
  let restored = 0;
  let lastRestored: string | undefined;
  const lines: string[] = [];
  const args = ['-D', target.dataDir];
  const command = await commandAs(target.user, target.binaries.postgres, args, { dieWithParent: 'QUIT' });
  const server = startProcess(command, {
    cwd: target.dataDir,
    env: target.binaries.env,
    log: (line) => {
      const segment = /restored log file "([0-9A-F]{24})" from archive/.exec(line)?.[1];
      if (segment) {
        restored++;
        lastRestored = segment;
      }
      if (
        /FATAL|PANIC|ERROR|could not|restore_command|recovery stopping|cannot stat|No such file/.test(line)
      ) {
        lines.push(line);
        if (lines.length > 60) lines.shift();
      }
    },
  });
  const pid = server.child.pid ?? 0;
  // SIGQUIT: immediate shutdown, nothing to keep.
  await run.record({
    type: 'process',
    label: `the PostgreSQL ${target.what} server (pid ${pid})`,
    pid,
    start: processStart(pid) ?? '',
    signal: 'SIGQUIT',
  });
  let exited: string | undefined;
  void server.exited.then((how) => {
    exited = how;
  });
  try {
    return await pollUntil(
      async () => {
        if (exited !== undefined) {
          throw await target.explain(exited, [...lines, server.logTail()].join('\n'), lastRestored);
        }
        return probe(target).catch((error: unknown) => {
          if (error instanceof RowbackError) throw error;
          return undefined;
        });
      },
      {
        intervalMs: 250,
        timeoutMs: 24 * 3_600_000,
        what: `Recovery of ${target.what}`,
        ...(context.signal ? { signal: context.signal } : {}),
        onTick: (elapsedMs) => {
          const eta = estimateLeft(restored, target.segments, elapsedMs);
          context.progress({
            rows: Math.min(restored, target.segments),
            total: Math.max(target.segments, restored),
            unit: 'WAL segments',
            message: `replaying WAL: ${restored} segment(s) restored`,
            elapsedMs,
            ...(eta === undefined ? {} : { etaMs: eta }),
          });
        },
      },
    ).then((found) => ({ ...found, server }));
  } catch (error) {
    await stopProcess(server, 'SIGQUIT', 5_000);
    throw error;
  }
}

/** Connects over the socket and asks whether recovery has paused at the target. */
async function probe(target: RecoveryTarget): Promise<Omit<Recovery, 'server'> | undefined> {
  let lastError: unknown;
  for (const user of target.roles) {
    const client = new pg.Client({
      host: target.socketDir,
      port: target.port,
      user,
      database: 'template1',
      connectionTimeoutMillis: 2_000,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const state = await client.query<{ recovering: boolean; paused: boolean; until: string | null }>(
        `SELECT pg_is_in_recovery() AS recovering,
                ${target.major >= 14 ? "pg_get_wal_replay_pause_state() = 'paused'" : 'pg_is_wal_replay_paused()'} AS paused,
                pg_last_xact_replay_timestamp()::text AS until`,
      );
      const row = state.rows[0]!;
      if (!row.recovering) {
        throw new RowbackError(
          'internal',
          `The throwaway server of ${target.what} left recovery instead of pausing at the target.`,
        );
      }
      if (!row.paused) return undefined;
      const facts = await client.query<{ superuser: string; databases: string[] }>(
        `SELECT (SELECT rolname FROM pg_roles WHERE oid = 10) AS superuser,
                ARRAY(SELECT datname::text FROM pg_database WHERE datallowconn ORDER BY 1) AS databases`,
      );
      return {
        replayedUntil: row.until,
        superuser: facts.rows[0]!.superuser,
        databases: facts.rows[0]!.databases,
        backupAfterAsOf: await startedAfter(client, target.startedVsAsOf),
      };
    } catch (error) {
      if (error instanceof RowbackError) throw error;
      lastError = error;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  throw lastError;
}

/**
 * backup_label writes its start time in the server's log zone, maybe as an abbreviation (CET, PDT) only
 * PostgreSQL itself knows: so the recovered server compares it. A time it cannot read counts as not after.
 */
async function startedAfter(client: pg.Client, times: RecoveryTarget['startedVsAsOf']): Promise<boolean> {
  if (!times) return false;
  try {
    const result = await client.query<{ after: boolean }>(
      'SELECT $1::timestamptz > $2::timestamptz AS after',
      [times.started, times.asOf],
    );
    return result.rows[0]?.after === true;
  } catch {
    return false;
  }
}
