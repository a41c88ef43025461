import type { Check } from '../types.js';

/** Commands that succeed without keeping the segment: archiving that archives nothing. */
const DISCARDS = /^\s*(\/bin\/|\/usr\/bin\/)?(true|:)\s*$/;

/**
 * Something must archive: archive_command, or archive_library (PostgreSQL 15+). With neither, WAL piles up
 * in pg_wal; with `true` or `:`, each segment is thrown away as if archived. Only the command's program is
 * shown: the rest of a command line may hold credentials.
 */
export const archiveCommand: Check = {
  id: 'archive-command',
  applies: (c) => c.engine === 'postgres' && ['on', 'always'].includes(c.variables.get('archive_mode') ?? ''),
  async run(c) {
    const command = c.variables.get('archive_command');
    const library = c.variables.get('archive_library') ?? '';
    if (command === undefined && !library) {
      return {
        id: this.id,
        status: 'warn',
        summary: 'this user cannot read archive_command',
        fix: 'GRANT pg_read_all_settings TO <the user>; (or run rowback doctor as a superuser)',
      };
    }
    if (library) return { id: this.id, status: 'ok', summary: `WAL is archived by the library ${library}` };
    if (!command || command === '(disabled)') {
      return {
        id: this.id,
        status: 'fail',
        summary:
          'archive_mode is on but archive_command is empty: WAL piles up in pg_wal and nothing is archived',
        fix: "ALTER SYSTEM SET archive_command = 'test ! -f /archive/%f && cp %p /archive/%f'; SELECT pg_reload_conf();",
      };
    }
    if (DISCARDS.test(command)) {
      return {
        id: this.id,
        status: 'fail',
        summary: `archive_command is \`${command.trim()}\`: every segment is thrown away as if it had been archived`,
        fix: "ALTER SYSTEM SET archive_command = 'test ! -f /archive/%f && cp %p /archive/%f'; SELECT pg_reload_conf();",
      };
    }
    const program = command.trim().split(/\s+/)[0]!.replace(/^.*\//, '');
    return { id: this.id, status: 'ok', summary: `WAL is archived by archive_command (${program} …)` };
  },
};
