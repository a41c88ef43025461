import { Command } from 'commander';
import { listMarks, type Mark } from '../index.js';
import { STATE_DIR_HELP } from './common.js';
import { printJson, runCommand, say } from './io.js';

interface MarksFlags {
  stateDir?: string;
  json?: boolean;
}

export function marksCommand(): Command {
  return new Command('marks')
    .description('List the restore points `rowback sql` recorded before each write, oldest first')
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .option('--json', 'print exactly one JSON object on stdout')
    .addHelpText(
      'after',
      `
Each mark holds the time, the position where the server could tell it (PostgreSQL WAL LSN; MySQL/MariaDB
binary log file, position and GTIDs), the statement and who ran it. To put a table back as it was just
before that statement:
  rowback restore orders --from binlog --to mysql://…/shop --as-of mark:<id>     (the binlog position)
  rowback restore orders --from <base backup> --wal-archive <dir> --to postgres://… --as-of mark:<id>
                                                                                 (just before the WAL LSN)
  rowback restore orders --from <other source> --to … --as-of mark:<id>          (the time)`,
    )
    .action(async (flags: MarksFlags) => {
      const json = flags.json === true;
      await runCommand(json, async () => {
        const marks = await listMarks(flags.stateDir);
        if (json) return printJson({ marks });
        if (marks.length === 0)
          return say(false, 'No restore points yet: `rowback sql` records one before each write.');
        say(false, marks.map(describe).join('\n\n'));
      });
    });
}

function describe(mark: Mark): string {
  const { lsn, binlog, gtid } = mark.position;
  const position = [
    lsn ? `lsn ${lsn}` : '',
    binlog ? `binlog ${binlog.file}:${binlog.position}` : '',
    gtid ? `gtid ${gtid}` : '',
  ].filter(Boolean);
  return [
    `${mark.id}  ${mark.time}  ${mark.operator}  ${mark.target}  ${mark.tables.join(', ')}`,
    ...(position.length ? [`  ${position.join('  ')}`] : []),
    ...mark.statement.split('\n').map((line) => `  > ${line}`),
  ].join('\n');
}
