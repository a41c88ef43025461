import { access, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RowbackError } from '../../core/errors.js';

/** What rowback reads of a mariadb-backup (or xtrabackup) directory, without touching it. */
export interface MariaBackup {
  dir: string;
  /** `full-backuped` (not prepared yet) or `full-prepared`. */
  type: string;
  /** `10.11` of the server that was backed up (`server_version = 10.11.19-MariaDB-…`). */
  serverSeries: string | undefined;
  serverVersion: string | undefined;
  /** Where the backup's data ends in the binlog (absent when binary logging was off). */
  binlog?: { file: string; position: number; gtid?: string };
  /** InnoDB settings the data files were made with (from backup-my.cnf), to start a server on them. */
  innodb: Record<string, string>;
}

/** The same files under their mariadb-backup 11 and xtrabackup names. */
const NAMES = {
  checkpoints: ['mariadb_backup_checkpoints', 'xtrabackup_checkpoints'],
  info: ['mariadb_backup_info', 'xtrabackup_info'],
  binlog: ['mariadb_backup_binlog_info', 'xtrabackup_binlog_info'],
};

async function readFirst(dir: string, names: string[]): Promise<string | undefined> {
  for (const name of names) {
    try {
      return await readFile(join(dir, name), 'utf8');
    } catch {
      // try the other name
    }
  }
  return undefined;
}

export async function isMariaBackup(dir: string): Promise<boolean> {
  for (const name of NAMES.checkpoints) {
    try {
      await access(join(dir, name));
      return true;
    } catch {
      // not this one
    }
  }
  return false;
}

/**
 * The settings of backup-my.cnf a server needs to open the data files. Paths are kept only when relative:
 * an absolute undo directory would be production's.
 */
const INNODB_KEYS = new Set([
  'innodb_page_size',
  'innodb_data_file_path',
  'innodb_undo_tablespaces',
  'innodb_undo_directory',
  'innodb_log_file_size',
  'innodb_checksum_algorithm',
]);

export async function readMariaBackup(path: string): Promise<MariaBackup> {
  const dir = resolve(path);
  const checkpoints = (await readFirst(dir, NAMES.checkpoints)) ?? '';
  const field = (text: string, name: string) =>
    new RegExp(`^${name}\\s*=\\s*(.*)$`, 'm').exec(text)?.[1]?.trim();
  const type = field(checkpoints, 'backup_type') ?? 'unknown';
  if (type === 'incremental' || /incremental/.test(type)) {
    throw new RowbackError(
      'unsupported',
      `${path} is an incremental mariadb-backup: it needs its full backup first.`,
      {
        hint: 'Prepare the full backup with its incrementals (mariadb-backup --prepare --target-dir FULL --incremental-dir INC), then give rowback the full backup.',
      },
    );
  }
  const info = (await readFirst(dir, NAMES.info)) ?? '';
  const serverVersion = field(info, 'server_version');
  const binlogText = (await readFirst(dir, NAMES.binlog))?.trim();
  const [file, position, gtid] = binlogText ? binlogText.split(/\s+/) : [];
  const innodb: Record<string, string> = {};
  const cnf = await readFile(join(dir, 'backup-my.cnf'), 'utf8').catch(() => '');
  for (const line of cnf.split('\n')) {
    const m = /^\s*([a-z_]+)\s*=\s*(\S+)\s*$/.exec(line);
    if (!m || !INNODB_KEYS.has(m[1]!)) continue;
    if (m[1] === 'innodb_undo_directory' && m[2]!.startsWith('/')) continue;
    innodb[m[1]!] = m[2]!;
  }
  return {
    dir,
    type,
    serverVersion,
    serverSeries: /^(\d+\.\d+)/.exec(serverVersion ?? '')?.[1],
    ...(file && position ? { binlog: { file, position: Number(position), ...(gtid ? { gtid } : {}) } } : {}),
    innodb,
  };
}
