import { parseSegment } from '../../sources/postgres-pitr/wal.js';
import { ago } from '../ages.js';
import type { Check } from '../types.js';

/** Segments waiting to be archived before it counts as falling behind. */
const BEHIND = 16;

const ARCHIVER_SQL = `
SELECT archived_count::text, coalesce(last_archived_wal, ''),
       coalesce(floor(extract(epoch FROM now() - last_archived_time))::bigint::text, ''),
       failed_count::text, coalesce(last_failed_wal, ''),
       coalesce(floor(extract(epoch FROM now() - last_failed_time))::bigint::text, ''),
       (last_failed_time IS NOT NULL AND (last_archived_time IS NULL OR last_failed_time > last_archived_time))::text,
       CASE WHEN pg_is_in_recovery() THEN '' ELSE pg_walfile_name(pg_current_wal_lsn()) END
FROM pg_stat_archiver`;

/**
 * Is archiving working now? pg_stat_archiver counts failures and names the last segment that failed; a
 * failure newer than the last success means archive_command fails now, and nothing after the last
 * archived segment can be recovered. Segments between the last archived one and the one being written
 * are waiting.
 */
export const archiver: Check = {
  id: 'archiver',
  applies: (c) =>
    c.engine === 'postgres' &&
    ['on', 'always'].includes(c.variables.get('archive_mode') ?? '') &&
    c.results.get('archive-command')?.status !== 'fail',
  async run(c) {
    const [row] = await c.query(ARCHIVER_SQL);
    const [archived, lastWal, lastAge, failed, failedWal, failedAge, failingNow, current] = (row ?? []).map(
      (v) => v ?? '',
    ) as string[];
    c.facts.archiver = {
      archivedCount: Number(archived),
      failedCount: Number(failed),
      ...(lastWal ? { lastArchivedWal: lastWal } : {}),
      ...(failedWal ? { lastFailedWal: failedWal } : {}),
      ...(lastAge ? { lastArchivedAgeSeconds: Number(lastAge) } : {}),
    };
    const last = lastWal
      ? `the last archived segment is ${lastWal} (${ago(Number(lastAge))})`
      : 'nothing has been archived yet';
    if (failingNow === 'true') {
      return {
        id: this.id,
        status: 'fail',
        summary: `archive_command is failing: ${failed} failure(s), the last on ${failedWal} ${ago(Number(failedAge))}; ${last}, and no later moment can be recovered`,
        fix: "read the server log for archive_command's error and fix it (a full or unmounted archive, permissions); WAL piles up in pg_wal until it succeeds",
      };
    }
    if (!lastWal) {
      return {
        id: this.id,
        status: 'warn',
        summary:
          'nothing has been archived since the statistics were reset: no moment after a base backup is recoverable yet',
        fix: 'SELECT pg_switch_wal(); then check that the segment reaches the archive',
      };
    }
    const segmentBytes = Number(c.variables.get('wal_segment_size')) || 16 * 1024 * 1024;
    const waiting = current ? segmentsBetween(lastWal, current, segmentBytes) : 0;
    const earlier = Number(failed) > 0 ? `; ${failed} earlier failure(s), since recovered` : '';
    if (waiting > BEHIND) {
      return {
        id: this.id,
        status: 'warn',
        summary: `archiving is behind: ${waiting} segment(s) wait between ${lastWal} and ${current}${earlier}`,
        fix: 'make archive_command faster (compression, parallel upload) or check the archive’s storage',
      };
    }
    return { id: this.id, status: 'ok', summary: `archiving works: ${last}${earlier}` };
  },
};

/** Whole segments after `archived` and before `current` (the one being written), on one timeline. */
function segmentsBetween(archived: string, current: string, segmentBytes: number): number {
  const [a, b] = [parseSegment(archived, segmentBytes), parseSegment(current, segmentBytes)];
  if (!a || !b || a.timeline !== b.timeline) return 0;
  return Math.max(0, b.index - a.index - 1);
}
