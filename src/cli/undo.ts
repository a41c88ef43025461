import { Command } from 'commander';
import { renderUndo, renderUndoPreview, undo } from '../index.js';
import { lockTimeoutOption, STATE_DIR_HELP } from './common.js';
import { askYes } from './confirm.js';
import { interruptSignal, note, peakRssBytes, printJson, runCommand, say } from './io.js';
import { askPassword } from './password.js';
import { progressReporter } from './progress.js';

interface UndoFlags {
  to: string;
  stateDir?: string;
  yes?: boolean;
  dryRun?: boolean;
  disableTriggers?: boolean;
  allowTriggerChanges?: boolean;
  skipIdentityCheck?: boolean;
  lockTimeout?: number;
  json?: boolean;
  progress: boolean;
}

export function undoCommand(): Command {
  return new Command('undo')
    .description(
      'Put a table back exactly as it was before a restore. Refuses if rows the restore touched have changed since.',
    )
    .argument('<restore-id>', 'the id printed by `rowback restore` (also in the audit log, audit.jsonl)')
    .requiredOption('--to <target-url>', 'the database the restore was applied to')
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .option('-y, --yes', 'undo without asking (needed when there is no terminal)')
    .option('--dry-run', 'check and apply inside a transaction, then roll back')
    .option('--disable-triggers', "don't fire the target's user triggers (PostgreSQL; needs superuser)")
    .option(
      '--allow-trigger-changes',
      "keep what the target's triggers write into the rows rowback writes (an updated_at stamp); without it such rows fail the verification and everything rolls back",
    )
    .option(
      '--skip-identity-check',
      'run even though the target is not the server, database and table the restore recorded (it was moved or failed over since)',
    )
    .addOption(lockTimeoutOption())
    .option('--json', 'print exactly one JSON object on stdout; human text goes to stderr')
    .option('--no-progress', 'no progress on stderr')
    .action(async (id: string, flags: UndoFlags) => {
      const json = flags.json === true;
      await runCommand(json, async () => {
        const progress = progressReporter(flags.progress);
        const shown = new Set<string>();
        try {
          const report = await undo({
            id,
            to: flags.to,
            ...(flags.stateDir ? { stateDir: flags.stateDir } : {}),
            ...(flags.dryRun ? { dryRun: true } : {}),
            ...(flags.disableTriggers ? { disableTriggers: true } : {}),
            ...(flags.allowTriggerChanges ? { allowTriggerChanges: true } : {}),
            ...(flags.skipIdentityCheck ? { skipIdentityCheck: true } : {}),
            ...(flags.lockTimeout === undefined ? {} : { lockTimeoutMs: flags.lockTimeout }),
            askPassword,
            ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
            signal: interruptSignal(),
            onPreview: (preview) => {
              note(renderUndoPreview(preview));
              for (const w of preview.warnings) shown.add(w);
            },
            ...(flags.yes || flags.dryRun ? {} : { confirm: () => askYes('\nUndo it?') }),
          });
          progress.stop();
          say(json, renderUndo(report, shown));
          if (json) printJson({ ...report, peakRssBytes: peakRssBytes() });
        } finally {
          progress.stop();
        }
      });
    });
}
