import type { Check } from '../types.js';

/**
 * Point-in-time recovery from a base backup needs every WAL segment written since it: wal_level replica
 * (or logical) and archive_mode on. A standby with archive_mode = on archives nothing (only `always` does).
 */
export const archiveMode: Check = {
  id: 'archive-mode',
  applies: (c) => c.engine === 'postgres',
  async run(c) {
    const level = c.variables.get('wal_level') ?? '?';
    const mode = c.variables.get('archive_mode') ?? '?';
    const fix =
      "ALTER SYSTEM SET wal_level = 'replica'; ALTER SYSTEM SET archive_mode = 'on'; ALTER SYSTEM SET archive_command = '…'; then restart the server";
    if (level === 'minimal') {
      return {
        id: this.id,
        status: 'fail',
        summary:
          'wal_level is minimal: WAL cannot be archived, so no moment after a base backup can be recovered',
        fix,
      };
    }
    if (mode === 'off') {
      return {
        id: this.id,
        status: 'fail',
        summary: 'archive_mode is off: no WAL is archived, so a base backup recovers only to its own end',
        fix,
      };
    }
    const [[inRecovery]] = (await c.query('SELECT pg_is_in_recovery()::text')) as [[string]];
    if (inRecovery === 'true' && mode !== 'always') {
      return {
        id: this.id,
        status: 'warn',
        summary: `this server is a standby with archive_mode = ${mode}: it archives nothing; check its primary`,
        fix: "ALTER SYSTEM SET archive_mode = 'always' (then restart) to archive from this standby too",
      };
    }
    return { id: this.id, status: 'ok', summary: `wal_level is ${level} and archive_mode is ${mode}` };
  },
};
