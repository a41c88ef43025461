import { Command } from 'commander';
import type { ChangedPolicy, ExtraPolicy } from '../core/plan.js';
import { restore } from '../core/restore.js';
import {
  addSourceTargetOptions,
  type CommonFlags,
  changedOption,
  commonOptions,
  extraOption,
} from './common.js';
import { askYes } from './confirm.js';
import { interruptSignal, note, peakRssBytes, printJson, runCommand, say } from './io.js';
import { progressReporter } from './progress.js';
import { renderPreview, renderRestore } from './render.js';

interface RestoreFlags extends CommonFlags {
  changed: ChangedPolicy;
  extra: ExtraPolicy;
  dryRun?: boolean;
  sqlOut?: string;
  yes?: boolean;
  disableTriggers?: boolean;
  skipForeignKeyChecks?: boolean;
}

export function restoreCommand(): Command {
  const command = new Command('restore')
    .description(
      'Put back the rows a table lost, merged with what was written since: preview, confirm, apply in one transaction, verify, keep an undo file.',
    )
    .argument('<table>', 'the table to restore: name or schema.name')
    .addOption(changedOption)
    .addOption(extraOption)
    .option('--dry-run', 'plan, apply and verify inside a transaction, then roll back')
    .option('--sql-out <file>', 'write the plan as a reviewable SQL script instead of applying it')
    .option('-y, --yes', 'apply without asking (needed when there is no terminal)')
    .option('--disable-triggers', "don't fire the target's user triggers (PostgreSQL; needs superuser)")
    .option('--skip-foreign-key-checks', 'MySQL only: SET FOREIGN_KEY_CHECKS=0 during the apply');
  addSourceTargetOptions(command).addHelpText(
    'after',
    `
Policies:
  missing rows are always inserted;
  --changed keep-current (default) keeps the target's values, take-source overwrites them;
  --extra keep (default) keeps rows written since, delete removes them (an exact rewind).

Examples:
  rowback restore billing --from postgres://ro@restored-host/app --to postgres://ops@prod-host/app
  rowback restore billing --from … --to … --where "account_id = 42" --dry-run
  rowback restore billing --from … --to … --sql-out restore-billing.sql
Undo with: rowback undo <restore-id> --to <target-url>`,
  );
  return command.action(async (table: string, flags: RestoreFlags) => {
    const json = flags.json === true;
    await runCommand(json, async () => {
      const progress = progressReporter(flags.progress);
      try {
        const report = await restore({
          ...commonOptions(table, flags),
          changed: flags.changed,
          extra: flags.extra,
          ...(flags.dryRun ? { dryRun: true } : {}),
          ...(flags.sqlOut ? { sqlOut: flags.sqlOut } : {}),
          ...(flags.disableTriggers ? { disableTriggers: true } : {}),
          ...(flags.skipForeignKeyChecks ? { skipForeignKeyChecks: true } : {}),
          onProgress: progress.onProgress,
          signal: interruptSignal(),
          confirm: async (preview) => {
            progress.stop();
            note(renderPreview(preview));
            if (flags.yes || flags.dryRun) return true;
            return askYes(`\nApply to ${preview.target}?`);
          },
        });
        progress.stop();
        say(json, renderRestore(report));
        if (json) printJson({ ...report, peakRssBytes: peakRssBytes() });
      } finally {
        progress.stop();
      }
    });
  });
}
