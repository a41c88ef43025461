import { Command } from 'commander';
import { diff, renderDiff } from '../index.js';
import { addSourceTargetOptions, type CommonFlags, commonOptions, samplesOption } from './common.js';
import { interruptSignal, peakRssBytes, printJson, runCommand, say } from './io.js';
import { progressReporter } from './progress.js';

export function diffCommand(): Command {
  const command = new Command('diff')
    .description('Compare a table with its past state, row by row by key. Writes nothing to the target.')
    .argument('<table>', 'the table to compare: name or schema.name')
    .addOption(samplesOption());
  addSourceTargetOptions(command).addHelpText(
    'after',
    `
Classes: missing (in the source, gone from the target), changed (values differ), extra (only in the
target: written since), same.

Example:
  rowback diff billing --from postgres://ro@restored-host/app --to postgres://ops@prod-host/app
  rowback diff billing --from … --to … --where "account_id = 42" --json`,
  );
  return command.action(async (table: string, flags: CommonFlags & { samples: number }) => {
    const json = flags.json === true;
    await runCommand(json, async () => {
      const progress = progressReporter(flags.progress);
      try {
        const report = await diff({
          ...commonOptions(table, flags),
          samples: flags.samples,
          onProgress: progress.onProgress,
          signal: interruptSignal(),
        });
        progress.stop();
        say(json, renderDiff(report));
        if (json) printJson({ ...report, peakRssBytes: peakRssBytes() });
      } finally {
        progress.stop();
      }
    });
  });
}
