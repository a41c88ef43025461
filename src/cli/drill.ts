import { Command } from 'commander';
import { DRILL_FAILED_EXIT, type DrillReport, drill, EXIT_CODES } from '../index.js';
import { interruptSignal, note, printJson, runCommand, say } from './io.js';
import { askPassword } from './password.js';
import { progressReporter } from './progress.js';

interface DrillFlags {
  from: string;
  asOf?: string;
  to?: string;
  live?: string;
  walArchive?: string;
  restoreCommand?: string;
  binlogDir?: string;
  fromDatabase?: string;
  public?: boolean;
  key?: string;
  expectSame?: boolean;
  keep?: boolean;
  stateDir?: string;
  notify: string[];
  json?: boolean;
  progress: boolean;
}

export function drillCommand(): Command {
  return new Command('drill')
    .description(
      'Rehearse a restore end to end into a scratch table, never production: time each step, compare with the live table, tell the team; for cron.',
    )
    .argument('<table>', 'the table to rehearse: name or schema.name')
    .requiredOption(
      '--from <source>',
      'where the past state comes from, as for restore: a base backup directory, a mariadb-backup directory, rds:INSTANCE, rds-cluster:CLUSTER, a dump file, a URL',
    )
    .option('--as-of <time>', 'the moment: "2026-11-24 10:14:59+00", "5 minutes ago", now')
    .option(
      '--to <scratch-url>',
      'a scratch database to restore into (its table must be absent, empty, or left by a drill); default: a throwaway server rowback starts and removes',
    )
    .option(
      '--live <url>',
      'the live database (only read): its user and password log in to a restored instance, its database is the one read in a backup, and its table is compared with the restored one',
    )
    .option(
      '--wal-archive <dir>',
      "with a PostgreSQL base backup: the WAL archive (archive_command's destination)",
    )
    .option(
      '--restore-command <command>',
      'with a PostgreSQL base backup: fetch WAL with this command (%f, %p)',
    )
    .option('--binlog-dir <dir>', "with a mariadb-backup directory: the server's binlog files")
    .option(
      '--from-database <name>',
      "the database to read in a backup or restored instance (default: --live's)",
    )
    .option('--public', 'with rds: make the restored instance publicly accessible (default: not)')
    .option('--key <columns>', 'columns identifying a row, comma-separated (default: primary key)')
    .option(
      '--expect-same',
      'the live table is not written between as-of and now: a restored table that differs from it now fails the drill',
    )
    .option('--keep', 'keep the restored scratch table (default: dropped, or emptied if it was there)')
    .option(
      '--notify <url>',
      'post the outcome to this webhook (Slack incoming webhook or any JSON endpoint); repeatable; also ROWBACK_NOTIFY',
      (url: string, urls: string[]) => [...urls, url],
      [] as string[],
    )
    .option(
      '--state-dir <dir>',
      'where run state files go, so rowback cleanup finds what a killed drill left',
    )
    .option('--json', 'print exactly one JSON object on stdout; human text goes to stderr')
    .option('--no-progress', 'no progress bar on stderr')
    .addHelpText(
      'after',
      `
Steps, each timed: scratch (open or start it; a table with rows that no drill created is refused),
recover (the source made ready: an instance restored, a backup recovered to --as-of), restore (rowback's
restore into the scratch table), checksum (row count and a checksum of the restored table), compare (the
same of the live table, with --live), cleanup (the source removed, the scratch table dropped, a
throwaway server stopped). Time to recovery = recover + restore: what the restore takes in an incident.

The live table is compared as it was at as-of where its server can say it (MySQL/MariaDB: its binlog, for
the keys changed since): a difference fails the drill. Elsewhere (PostgreSQL), as it is now: it has moved
on since as-of, so a difference is reported, not failed, unless --expect-same.

Exit codes, for cron: 0 the drill passed, 22 it failed (the report names the step and why), 2 a command
line it cannot run, 130 interrupted (everything it made was removed).
  0 3 * * * rowback drill billing --from /backups/latest --wal-archive /wal --as-of "5 minutes ago" \\
              --live postgres://drill@prod/app --notify https://hooks.slack.com/services/… --json || alert`,
    )
    .action(async (table: string, flags: DrillFlags) => {
      const json = flags.json === true;
      await runCommand(json, async () => {
        const progress = progressReporter(flags.progress);
        try {
          const report = await drill({
            table,
            from: flags.from,
            ...(flags.asOf !== undefined ? { asOf: flags.asOf } : {}),
            ...(flags.to ? { to: flags.to } : {}),
            ...(flags.live ? { live: flags.live } : {}),
            ...sourceFlags(flags),
            ...(flags.key
              ? {
                  key: flags.key
                    .split(',')
                    .map((k) => k.trim())
                    .filter(Boolean),
                }
              : {}),
            ...(flags.expectSame ? { expectSame: true } : {}),
            ...(flags.keep ? { keep: true } : {}),
            ...(flags.stateDir ? { stateDir: flags.stateDir } : {}),
            ...(flags.notify.length ? { notify: flags.notify } : {}),
            askPassword,
            ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
            onNotice: (text) => {
              if (!text) return;
              progress.stop();
              note(text);
            },
            signal: interruptSignal(),
          });
          progress.stop();
          say(json, renderDrill(report));
          if (json) printJson(report);
          process.exitCode =
            report.failure?.error?.code === 'interrupted'
              ? EXIT_CODES.interrupted
              : report.outcome === 'passed'
                ? 0
                : DRILL_FAILED_EXIT;
        } finally {
          progress.stop();
        }
      });
    });
}

function sourceFlags(flags: DrillFlags) {
  const found = {
    ...(flags.fromDatabase !== undefined ? { database: flags.fromDatabase } : {}),
    ...(flags.walArchive !== undefined ? { walArchive: flags.walArchive } : {}),
    ...(flags.restoreCommand !== undefined ? { restoreCommand: flags.restoreCommand } : {}),
    ...(flags.binlogDir !== undefined ? { binlogDir: flags.binlogDir } : {}),
    ...(flags.public ? { publiclyAccessible: true } : {}),
  };
  return Object.keys(found).length ? { sourceFlags: found } : {};
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function renderDrill(report: DrillReport): string {
  const moment = report.asOf ? ` as of ${report.asOf}` : '';
  const lines = [`Drill of ${report.table} from ${report.source}${moment} into ${report.scratch}:`];
  for (const step of report.steps) {
    lines.push(
      `  ${step.ok ? 'ok  ' : 'FAIL'} ${step.step.padEnd(8)} ${seconds(step.durationMs).padStart(8)}  ${step.detail}`,
    );
    if (step.error?.hint) lines.push(`       hint: ${step.error.hint}`);
  }
  for (const warning of report.warnings) lines.push(`  ! ${warning}`);
  lines.push(
    report.outcome === 'passed'
      ? `Passed. Time to recovery: ${seconds(report.timeToRecoveryMs)} (recover + restore).`
      : `FAILED at ${report.failure?.step}.`,
  );
  return lines.join('\n');
}
