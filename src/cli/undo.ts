import { Command } from 'commander';
import { undo } from '../core/undo.js';
import { askYes } from './confirm.js';
import { interruptSignal, note, peakRssBytes, printJson, runCommand, say } from './io.js';
import { progressReporter } from './progress.js';
import { renderUndo, renderUndoPreview } from './render.js';

interface UndoFlags {
  to: string;
  stateDir: string;
  yes?: boolean;
  dryRun?: boolean;
  json?: boolean;
  progress: boolean;
}

export function undoCommand(): Command {
  return new Command('undo')
    .description(
      'Put a table back exactly as it was before a restore. Refuses if rows the restore touched have changed since.',
    )
    .argument('<restore-id>', 'the id printed by `rowback restore` (also in .rowback/audit.jsonl)')
    .requiredOption('--to <target-url>', 'the database the restore was applied to')
    .option('--state-dir <dir>', 'where the undo files are kept', '.rowback')
    .option('-y, --yes', 'undo without asking (needed when there is no terminal)')
    .option('--dry-run', 'check and apply inside a transaction, then roll back')
    .option('--json', 'print exactly one JSON object on stdout; human text goes to stderr')
    .option('--no-progress', 'no progress on stderr')
    .action(async (id: string, flags: UndoFlags) => {
      const json = flags.json === true;
      await runCommand(json, async () => {
        const progress = progressReporter(flags.progress);
        try {
          const report = await undo({
            id,
            to: flags.to,
            stateDir: flags.stateDir,
            ...(flags.dryRun ? { dryRun: true } : {}),
            onProgress: progress.onProgress,
            signal: interruptSignal(),
            confirm: async (preview) => {
              note(renderUndoPreview(preview));
              if (flags.yes || flags.dryRun) return true;
              return askYes('\nUndo it?');
            },
          });
          progress.stop();
          say(json, renderUndo(report));
          if (json) printJson({ ...report, peakRssBytes: peakRssBytes() });
        } finally {
          progress.stop();
        }
      });
    });
}
