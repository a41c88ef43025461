import { execFile } from 'node:child_process';
import { chown, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AsOf } from '../../core/as-of.js';
import type { OsUser } from '../../servers/os-user.js';
import type { PostgresBinaries } from '../../servers/postgres-binaries.js';

const exec = promisify(execFile);

/** What the control file says: the primary's limits a hot standby must match, and the WAL segment size. */
export interface ControlData {
  systemIdentifier: string;
  segmentBytes: number;
  /** Settings a hot standby must set at least as high as the primary did. */
  minimums: Record<string, number>;
}

const MINIMUMS: Record<string, string> = {
  max_connections: 'max_connections setting',
  max_worker_processes: 'max_worker_processes setting',
  max_wal_senders: 'max_wal_senders setting',
  max_prepared_transactions: 'max_prepared_xacts setting',
  max_locks_per_transaction: 'max_locks_per_xact setting',
};

/** Runs `pg_controldata` (read-only) on a data directory. */
export async function readControlData(binaries: PostgresBinaries, dataDir: string): Promise<ControlData> {
  const { stdout } = await exec(join(binaries.binDir, 'pg_controldata'), [dataDir], {
    env: { ...binaries.env, LC_ALL: 'C', LANG: 'C' },
  });
  const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(stdout)?.[1]?.trim();
  const minimums: Record<string, number> = {};
  for (const [setting, label] of Object.entries(MINIMUMS)) {
    const value = Number(field(label));
    if (Number.isInteger(value)) minimums[setting] = value;
  }
  return {
    systemIdentifier: field('Database system identifier') ?? '',
    segmentBytes: Number(field('Bytes per WAL segment') ?? 16 * 1024 * 1024),
    minimums,
  };
}

export interface RecoverySettings {
  port: number;
  socketDir: string;
  restoreCommand: string;
  asOf: AsOf | undefined;
  /** From `--as-of mark:<id>`: the WAL position the mark recorded, which wins over the time. */
  asOfLsn?: string | undefined;
  control: ControlData;
}

/** `'it''s'`: a postgresql.conf string. */
export function confString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** `cp '/archive/%f' '%p'` for a plain archive directory (a % in the path doubled, for restore_command). */
export function copyCommand(archiveDir: string): string {
  const quoted = `'${archiveDir.replace(/'/g, `'\\''`).replace(/%/g, '%%')}'`;
  return `cp ${quoted}/%f "%p"`;
}

/**
 * The throwaway's whole configuration, written over the backup's (which is not trusted: production's
 * port and socket, its pg_hba, its archive_command, preload libraries this machine may lack, include
 * files, or no postgresql.conf at all in Debian-style backups). No TCP port: one private Unix socket.
 * archive_mode off, and recovery pauses at the target instead of promoting: nothing is ever written to
 * the archive (a promoted server would add a timeline to it and break its next restore).
 */
export function recoveryConf(settings: RecoverySettings): string {
  const values: Record<string, string> = {
    listen_addresses: confString(''),
    port: String(settings.port),
    unix_socket_directories: confString(settings.socketDir),
    unix_socket_permissions: '0700',
    ssl: 'off',
    shared_preload_libraries: confString(''),
    archive_mode: 'off',
    archive_command: confString(''),
    restore_command: confString(settings.restoreCommand),
    recovery_target_action: 'pause',
    recovery_target_timeline: confString('latest'),
    hot_standby: 'on',
    hot_standby_feedback: 'off',
    primary_conninfo: confString(''),
    fsync: 'off',
    synchronous_commit: 'off',
    logging_collector: 'off',
    log_destination: confString('stderr'),
    log_min_messages: 'warning',
    log_checkpoints: 'off',
    shared_buffers: '128MB',
    max_wal_size: '1GB',
    // Read-only sessions on a standby would otherwise be cancelled by conflicting replay.
    max_standby_archive_delay: '-1',
    max_standby_streaming_delay: '-1',
  };
  for (const [name, value] of Object.entries(settings.control.minimums)) values[name] = String(value);
  if (settings.asOfLsn) {
    // The mark was read just before the statement ran: every WAL record from there on is left out.
    values['recovery_target_lsn'] = confString(settings.asOfLsn);
    values['recovery_target_inclusive'] = 'off';
  } else if (settings.asOf) {
    values['recovery_target_time'] = confString(settings.asOf.utc);
    values['recovery_target_inclusive'] = 'on';
  } else {
    values['recovery_target'] = confString('immediate');
  }
  const lines = Object.entries(values).map(([name, value]) => `${name} = ${value}`);
  return `# Written by rowback for a throwaway point-in-time recovery; the backup's own config is not used.\n${lines.join('\n')}\n`;
}

/** Writes postgresql.conf, an empty postgresql.auto.conf, pg_hba.conf (socket only, trust), recovery.signal. */
export async function writeRecoveryFiles(
  dataDir: string,
  conf: string,
  owner: OsUser | undefined,
): Promise<void> {
  const files: Record<string, string> = {
    'postgresql.conf': conf,
    'postgresql.auto.conf': '',
    // The socket's directory is private to the server's OS user (and root): only rowback reaches it.
    'pg_hba.conf': 'local all all trust\n',
    'pg_ident.conf': '',
    'recovery.signal': '',
  };
  for (const [name, text] of Object.entries(files)) {
    const file = join(dataDir, name);
    await writeFile(file, text, { mode: 0o600 });
    if (owner) await chown(file, owner.uid, owner.gid);
  }
}
