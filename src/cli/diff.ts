import { Command, Option } from 'commander';
import { type DiffPath, diff, renderDiff } from '../index.js';
import {
  addSourceTargetOptions,
  BACKOUT_HELP,
  type CommonFlags,
  commonOptions,
  samplesOption,
} from './common.js';
import { interruptSignal, peakRssBytes, printJson, runCommand, say } from './io.js';
import { progressReporter } from './progress.js';

export function diffCommand(): Command {
  const command = new Command('diff')
    .description('Compare a table with its past state, row by row by key. Writes nothing to the target.')
    .argument('<table>', 'the table to compare: name or schema.name')
    .addOption(samplesOption())
    .addOption(
      new Option(
        '--path <path>',
        'staged: copy the source rows into a temporary table on the target and compare there; merge: read both tables in key order and compare in rowback, writing nothing anywhere (default: staged, merge when the target cannot stage)',
      ).choices(['staged', 'merge']),
    );
  addSourceTargetOptions(command).addHelpText(
    'after',
    `
Classes: missing (in the source, gone from the target), changed (values differ), extra (only in the
target: written since), same. With --where, a row matching it now whose key the source holds outside it
is not extra: it is counted as kept (outside); to tell, the staged diff reads the whole source table.

diff works on a target that cannot be written: a hot standby, a read-only database, a role that may only
SELECT. There it reads both tables in key order and compares them in rowback (--path merge), and says so.
${BACKOUT_HELP}
Example:
  rowback diff billing --from postgres://ro@restored-host/app --to postgres://ops@prod-host/app
  rowback diff billing --from … --to … --where "account_id = 42" --json
  rowback diff accounts --from … --to … --columns plan --target-where "plan = 'free'"
    (an UPDATE without WHERE: compare only plan; rows whose plan is no longer 'free' are counted as kept)
  rowback diff accounts --from binlog --to mysql://ops@prod-host/app --backout 0-1-4711
    (what backing out that transaction would set back, and its conflicts)`,
  );
  return command.action(async (table: string, flags: CommonFlags & { samples: number; path?: DiffPath }) => {
    const json = flags.json === true;
    await runCommand(json, async () => {
      const progress = progressReporter(flags.progress);
      try {
        const report = await diff({
          ...commonOptions(table, flags),
          samples: flags.samples,
          ...(flags.path ? { path: flags.path } : {}),
          ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
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
