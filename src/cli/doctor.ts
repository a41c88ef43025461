import { Command } from 'commander';
import { DOCTOR_EXIT, type DoctorReport, runDoctor } from '../index.js';
import { printJson, runCommand, say } from './io.js';

interface DoctorFlags {
  table?: string[];
  baseBackup?: string;
  walArchive?: string;
  json?: boolean;
}

export function doctorCommand(): Command {
  return new Command('doctor')
    .description(
      'What can be recovered, since when, and what to change for more: a MySQL/MariaDB binlog, PostgreSQL WAL archiving and backups, RDS automated backups.',
    )
    .argument(
      '[url]',
      'what to check: mysql://user@host/db (its binlog; the database whose tables are judged), postgres://user@host/db (WAL archiving), rds:INSTANCE or rds-cluster:CLUSTER (automated backups, through the AWS API); may be left out with --base-backup / --wal-archive',
    )
    .option(
      '--table <name...>',
      "MySQL: judge only these tables (default: every table of the URL's database)",
    )
    .option(
      '--base-backup <dir>',
      'PostgreSQL: a directory of base backups (or one): the newest, and how old it is',
    )
    .option(
      '--wal-archive <dir>',
      'PostgreSQL: the WAL archive (archive_command’s destination): the oldest WAL kept, gaps, the oldest moment recoverable',
    )
    .option('--json', 'print exactly one JSON object on stdout; human text goes to stderr')
    .addHelpText(
      'after',
      `
MySQL/MariaDB checks: binary logging on, binlog_format=ROW, binlog_row_image=FULL, binlog_row_metadata=FULL
(for tables altered since the moment), how long binlogs are kept (binlog_expire_logs_seconds,
expire_logs_days; on Amazon RDS 'binlog retention hours'), the user's REPLICATION SLAVE and REPLICATION
CLIENT (MariaDB: BINLOG MONITOR) rights, tried for real, the oldest moment the binlog still covers, and per
table whether a DELETE of it is recoverable now.

PostgreSQL checks: wal_level and archive_mode, archive_command (or archive_library), the archiver's health
(pg_stat_archiver: failures, the last segment that failed, segments waiting, the last one archived and
when), archive_timeout; with --base-backup the newest base backup and its age; with --wal-archive the
oldest and newest WAL kept, gaps (named), and the oldest moment recoverable from the backups found.

RDS / Aurora checks (the AWS configuration of this shell): backup retention, and the restorable window
(earliest and latest restorable time, and how far the latest trails the present).

Each problem comes with the statement or command that fixes it.

Exit codes, for cron: 0 everything recoverable, 20 recoverable with limits (warnings), 21 not recoverable
(a check failed), 5 cannot connect, 6 AWS denied a call (the action is named).
  0 * * * * rowback doctor mysql://doctor@db/app --json > /var/log/rowback-doctor.json || alert
  0 * * * * rowback doctor postgres://doctor@db/app --base-backup /backups --wal-archive /wal || alert`,
    )
    .action(async (url: string | undefined, flags: DoctorFlags) => {
      const json = flags.json === true;
      await runCommand(json, async () => {
        const report = await runDoctor(url, {
          ...(flags.table ? { tables: flags.table } : {}),
          ...(flags.baseBackup ? { baseBackup: flags.baseBackup } : {}),
          ...(flags.walArchive ? { walArchive: flags.walArchive } : {}),
        });
        say(json, renderDoctor(report));
        if (json) printJson(report);
        process.exitCode = DOCTOR_EXIT[report.status];
      });
    });
}

const MARK = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;

/** What the recovery is made from, for the verdict line. */
const FROM = {
  mysql: 'from the binlog',
  postgres: 'from the base backups and the WAL archive',
  files: 'from the base backups and the WAL archive',
  rds: 'with a point-in-time restore',
} as const;

export function renderDoctor(report: DoctorReport): string {
  const lines = [`${report.server}:`];
  for (const check of report.checks) {
    lines.push(`  ${MARK[check.status]} ${check.id}: ${check.summary}`);
    if (check.fix) lines.push(`       fix: ${check.fix}`);
  }
  for (const table of report.facts.tables ?? []) {
    lines.push(
      `  ${table.recoverable ? 'ok  ' : 'no  '} table ${table.table}${table.why ? `: ${table.why}` : ''}`,
    );
  }
  const from = FROM[report.subject];
  const verdict = {
    ok: `Everything checked is recoverable ${from}.`,
    warn: 'Recoverable, with the limits above.',
    fail: `Not recoverable ${from} until the failures above are fixed.`,
  }[report.status];
  lines.push(verdict);
  return lines.join('\n');
}
