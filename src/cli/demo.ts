import { Command, Option } from 'commander';
import { runCommand } from './io.js';

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'Play the story on throwaway databases rowback makes itself (SQLite files by default): an accidental DELETE, new writes, then diff, restore and undo; then an UPDATE without WHERE, repaired with --columns and --target-where.',
    )
    .addOption(
      new Option(
        '--engine <engine>',
        'which database to play it on: SQLite files need nothing started; postgres and mysql start throwaway servers',
      )
        .choices(['sqlite', 'postgres', 'mysql'])
        .default('sqlite'),
    )
    .action(async (flags: { engine: 'sqlite' | 'postgres' | 'mysql' }) => {
      await runCommand(false, async () => {
        // Loaded on demand: the demo pulls in server starters the other commands never need.
        const { runDemo } = await import('../demo/story.js');
        await runDemo({ engine: flags.engine, write: (text) => process.stdout.write(`${text}\n`) });
      });
    });
}
