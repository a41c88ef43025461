import { span } from '../ages.js';
import type { Check } from '../types.js';

/** Longer than this, a quiet server's newest changes wait too long for the archive. */
const LONGEST = 3600;

/**
 * A segment is archived when it is full, or after archive_timeout. With archive_timeout = 0 a quiet
 * server can keep the last hours of changes out of the archive: a recovery reaches only to the last
 * archived segment, so a drill or a restore "5 minutes ago" finds nothing to replay.
 */
export const archiveTimeout: Check = {
  id: 'archive-timeout',
  applies: (c) => c.engine === 'postgres' && ['on', 'always'].includes(c.variables.get('archive_mode') ?? ''),
  async run(c) {
    const seconds = Number(c.variables.get('archive_timeout') ?? '0');
    const fix = "ALTER SYSTEM SET archive_timeout = '5min'; SELECT pg_reload_conf();";
    if (!(seconds > 0)) {
      return {
        id: this.id,
        status: 'warn',
        summary:
          'archive_timeout is 0: on a quiet server the newest changes reach the archive only when a WAL segment fills, and cannot be recovered until then',
        fix,
      };
    }
    if (seconds > LONGEST) {
      return {
        id: this.id,
        status: 'warn',
        summary: `archive_timeout is ${span(seconds)}: on a quiet server the last ${span(seconds)} of changes may not be recoverable yet`,
        fix,
      };
    }
    return {
      id: this.id,
      status: 'ok',
      summary: `archive_timeout is ${span(seconds)}: changes reach the archive within that time`,
    };
  },
};
