import { Command, InvalidArgumentError } from 'commander';
import {
  type ChangedPolicy,
  confirmQuestion,
  type ExtraPolicy,
  renderPreview,
  renderRestore,
  restore,
} from '../index.js';
import {
  addSourceTargetOptions,
  BACKOUT_HELP,
  type CommonFlags,
  changedOption,
  commonOptions,
  extraOption,
  lockTimeoutOption,
  refusePoliciesWithBackout,
  samplesOption,
} from './common.js';
import { askYes } from './confirm.js';
import { interruptSignal, note, peakRssBytes, printJson, runCommand, say } from './io.js';
import { progressReporter } from './progress.js';

interface RestoreFlags extends CommonFlags {
  changed?: ChangedPolicy;
  extra: ExtraPolicy;
  dryRun?: boolean;
  sqlOut?: string;
  yes?: boolean;
  disableTriggers?: boolean;
  allowTriggerChanges?: boolean;
  skipForeignKeyChecks?: boolean;
  maxChanges?: number;
  lockTimeout?: number;
  samples: number;
  notify: string[];
  verbose?: boolean;
}

export function restoreCommand(): Command {
  const command = new Command('restore')
    .description(
      'Put back the rows a table lost, merged with what was written since: preview, confirm, apply in one transaction, verify, keep an undo file.',
    )
    .argument('<table>', 'the table to restore: name or schema.name')
    .addOption(changedOption)
    .addOption(extraOption)
    .addOption(samplesOption())
    .addOption(lockTimeoutOption())
    .option('--dry-run', 'plan, apply and verify inside a transaction, then roll back')
    .option('--sql-out <file>', 'write the plan as a reviewable SQL script instead of applying it')
    .option('-y, --yes', 'apply without asking (needed when there is no terminal)')
    .option('-v, --verbose', 'also say how long each step took (staging, classifying, the lock, each write…)')
    .option('--disable-triggers', "don't fire the target's user triggers (PostgreSQL; needs superuser)")
    .option(
      '--allow-trigger-changes',
      "keep what the target's triggers write into the rows rowback writes (an updated_at stamp); without it such rows fail the verification and everything rolls back",
    )
    .option('--skip-foreign-key-checks', 'MySQL only: SET FOREIGN_KEY_CHECKS=0 during the apply')
    .option(
      '--max-changes <n>',
      'the most rows to write in all; also lets the plan grow up to it while the lock is taken',
      parseCount,
    )
    .option(
      '--notify <url>',
      'tell the team: post start, plan, outcome and cleanup to this webhook (Slack incoming webhook or any JSON endpoint); repeatable; also ROWBACK_NOTIFY',
      (url: string, urls: string[]) => [...urls, url],
      [] as string[],
    );
  addSourceTargetOptions(command).addHelpText(
    'after',
    `
Policies:
  missing rows are always inserted;
  --changed keep-current (default) keeps the target's values, take-source overwrites them;
  --extra keep (default) keeps rows written since, delete removes them (an exact rewind).
  With --where, extra means a key the source lacks altogether: a row matching --where now whose key the
  source holds outside it (an UPDATE moved it in) is kept and counted. To see every source key,
  --where with --extra delete reads the whole source table (a dump file is always read whole).

Repairing an UPDATE without WHERE (UPDATE accounts SET plan = 'free'):
  --columns plan                 compare and write only plan; every other column keeps its current value,
                                 so later edits of other columns stay; --changed defaults to take-source.
                                 Missing rows are still inserted whole; --extra delete is refused with it.
  --target-where "plan = 'free'" touch only rows whose current row still bears the accident's mark: rows
                                 edited again since are kept (the preview counts them). A missing row has
                                 no current row, so none is inserted. Checked again under the lock.
  Undo puts back the whole rows as they were before the repair.

${BACKOUT_HELP}
Never more than shown: under the lock the plan is taken again; if it would write more rows of some kind
than the preview showed (rows written meanwhile), nothing is written and the new plan is shown and asked
about again — with --yes it is refused (exit 8) unless --max-changes allows it. Fewer rows is fine.

Examples:
  rowback restore billing --from postgres://ro@restored-host/app --to postgres://ops@prod-host/app
  rowback restore billing --from … --to … --where "account_id = 42" --dry-run
  rowback restore billing --from … --to … --sql-out restore-billing.sql
  rowback restore accounts --from … --to … --columns plan --target-where "plan = 'free'"
  rowback restore accounts --from binlog --to mysql://ops@prod-host/app --backout 0-1-4711
  rowback restore billing --from rds:prod-db --as-of "2026-11-24 10:14:00+00" --to … --notify https://hooks.slack.com/services/…
Undo with: rowback undo <restore-id> --to <target-url>`,
  );
  return command.action(async (table: string, flags: RestoreFlags, self: Command) => {
    const json = flags.json === true;
    await runCommand(json, async () => {
      refusePoliciesWithBackout(flags, self);
      const progress = progressReporter(flags.progress);
      const shown = new Set<string>();
      try {
        const report = await restore({
          ...commonOptions(table, flags),
          ...(flags.changed ? { changed: flags.changed } : {}),
          extra: flags.extra,
          samples: flags.samples,
          ...(flags.dryRun ? { dryRun: true } : {}),
          ...(flags.sqlOut ? { sqlOut: flags.sqlOut } : {}),
          ...(flags.disableTriggers ? { disableTriggers: true } : {}),
          ...(flags.allowTriggerChanges ? { allowTriggerChanges: true } : {}),
          ...(flags.skipForeignKeyChecks ? { skipForeignKeyChecks: true } : {}),
          ...(flags.maxChanges === undefined ? {} : { maxChanges: flags.maxChanges }),
          ...(flags.notify.length ? { notify: flags.notify } : {}),
          ...(flags.lockTimeout === undefined ? {} : { lockTimeoutMs: flags.lockTimeout }),
          ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
          signal: interruptSignal(),
          onPreview: (preview) => {
            progress.stop();
            note(renderPreview(preview));
            for (const w of preview.warnings) shown.add(w);
          },
          // With --yes (or a dry run) nobody is asked: a plan that grows under the lock is then refused.
          ...(flags.yes || flags.dryRun
            ? {}
            : { confirm: (preview) => askYes(`\n${confirmQuestion(preview)}`) }),
        });
        progress.stop();
        // A script or an empty plan is never confirmed: show the plan it is about.
        if (report.outcome === 'script' || report.outcome === 'nothing-to-do') {
          note(renderPreview(report));
          for (const w of report.warnings) shown.add(w);
        }
        say(json, renderRestore(report, shown, { timings: flags.verbose === true }));
        if (json) printJson({ ...report, peakRssBytes: peakRssBytes() });
      } finally {
        progress.stop();
      }
    });
  });
}

/** A whole number of rows, for --max-changes. */
function parseCount(text: string): number {
  const n = Number(text.replaceAll(/[_,]/g, ''));
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new InvalidArgumentError('give a whole number of rows, e.g. --max-changes 1000');
  }
  return n;
}
