import type { Check } from '../types.js';
import { archiveCommand } from './archive-command.js';
import { archiveMode } from './archive-mode.js';
import { archiveTimeout } from './archive-timeout.js';
import { archiver } from './archiver.js';
import { baseBackup } from './base-backup.js';
import { binaryLog } from './binary-log.js';
import { binlogFormat } from './binlog-format.js';
import { binlogRetentionHours } from './binlog-retention-hours.js';
import { privileges } from './privileges.js';
import { rdsBackupRetention } from './rds-backup-retention.js';
import { rdsRestorableTime } from './rds-restorable-time.js';
import { retention } from './retention.js';
import { rowImage } from './row-image.js';
import { rowMetadata } from './row-metadata.js';
import { tables } from './tables.js';
import { walArchive } from './wal-archive.js';

/** Every check, in the order they run (later ones read what earlier ones found). One file each. */
export const CHECKS: readonly Check[] = [
  // MySQL / MariaDB: the binlog
  binaryLog,
  binlogFormat,
  rowImage,
  rowMetadata,
  privileges,
  retention,
  binlogRetentionHours,
  tables,
  // PostgreSQL: WAL archiving, base backups, the archive
  archiveMode,
  archiveCommand,
  archiver,
  archiveTimeout,
  baseBackup,
  walArchive,
  // Amazon RDS / Aurora: automated backups
  rdsBackupRetention,
  rdsRestorableTime,
];
