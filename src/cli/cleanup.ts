import { Command } from 'commander';
import { type CleanupReport, cleanupRuns, RowbackError } from '../index.js';
import { note, printJson, runCommand, say } from './io.js';

interface CleanupFlags {
  stateDir?: string;
  json?: boolean;
}

export function cleanupCommand(): Command {
  return new Command('cleanup')
    .description(
      'Remove what a killed run left behind: throwaway servers, private copies of backups, cloud instances and ingress rules.',
    )
    .option(
      '--state-dir <dir>',
      'where the runs were recorded: the --state-dir they used (default: $XDG_STATE_HOME/rowback, else ~/.local/state/rowback)',
    )
    .option('--json', 'print exactly one JSON object on stdout; human text goes to stderr')
    .addHelpText(
      'after',
      `
Every run that creates something temporary writes it down in <state-dir>/runs/ before creating it, and
removes the record once it has removed the thing. A run killed outright (kill -9, a lost machine) leaves
its record; this command removes what it names. Runs still in progress are left alone.
Cloud things are removed with the AWS configuration of this shell (profile, region, credentials).

Exit codes: 0 nothing left, 5 something could not be removed (it stays recorded; run again).`,
    )
    .action(async (flags: CleanupFlags) => {
      const json = flags.json === true;
      await runCommand(json, async () => {
        const report = await cleanupRuns(flags.stateDir, note);
        say(json, renderCleanup(report));
        if (json) printJson(report);
        const left = report.runs.filter((run) => run.outcome === 'partial');
        if (left.length) {
          throw new RowbackError(
            'connection',
            `${left.length} run(s) still have things that could not be removed (see above).`,
            { hint: 'Fix what stopped it (credentials, network), then run rowback cleanup again.' },
          );
        }
      });
    });
}

function renderCleanup(report: CleanupReport): string {
  const lines: string[] = [];
  for (const run of report.runs) {
    if (run.outcome === 'running') {
      lines.push(`${run.id} (${run.what}) is still running; left alone.`);
      continue;
    }
    lines.push(
      `${run.id} (${run.what}, started ${run.started}): ${run.removed.length ? `removed ${run.removed.join('; ')}` : 'nothing was left'}.`,
    );
    for (const failure of run.failed) lines.push(`! could not remove ${failure.label}: ${failure.error}`);
  }
  for (const file of report.unreadable)
    lines.push(`! ${file} is not a run record rowback can read; left in place.`);
  return lines.length ? lines.join('\n') : 'Nothing to clean up.';
}
