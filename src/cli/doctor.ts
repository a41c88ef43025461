import { Command } from 'commander';
import { DOCTOR_EXIT, type DoctorReport, runDoctor } from '../index.js';
import { printJson, runCommand, say } from './io.js';

interface DoctorFlags {
  table?: string[];
  json?: boolean;
}

export function doctorCommand(): Command {
  return new Command('doctor')
    .description('What this server can recover from its binlog and since when, and what to change for more.')
    .argument('<url>', 'the server to check: mysql://user@host/db (the database whose tables are judged)')
    .option('--table <name...>', "judge only these tables (default: every table of the URL's database)")
    .option('--json', 'print exactly one JSON object on stdout; human text goes to stderr')
    .addHelpText(
      'after',
      `
Checks: binary logging on, binlog_format=ROW, binlog_row_image=FULL, binlog_row_metadata=FULL (for tables
altered since the moment), how long binlogs are kept (binlog_expire_logs_seconds, expire_logs_days; on
Amazon RDS 'binlog retention hours'), the user's REPLICATION SLAVE and REPLICATION CLIENT (MariaDB: BINLOG
MONITOR) rights, tried for real, the oldest moment the binlog still covers, and per table whether a DELETE
of it is recoverable now. Each problem comes with the statement that fixes it.

Exit codes, for cron: 0 everything recoverable, 20 recoverable with limits (warnings), 21 not recoverable
(a check failed), 5 cannot connect.
  0 * * * * rowback doctor mysql://doctor@db/app --json > /var/log/rowback-doctor.json || alert`,
    )
    .action(async (url: string, flags: DoctorFlags) => {
      const json = flags.json === true;
      await runCommand(json, async () => {
        const report = await runDoctor(url, flags.table ? { tables: flags.table } : {});
        say(json, renderDoctor(report));
        if (json) printJson(report);
        process.exitCode = DOCTOR_EXIT[report.status];
      });
    });
}

const MARK = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;

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
  const verdict = {
    ok: 'Everything checked is recoverable from the binlog.',
    warn: 'Recoverable, with the limits above.',
    fail: 'Not recoverable from the binlog until the failures above are fixed.',
  }[report.status];
  lines.push(verdict);
  return lines.join('\n');
}
