import { ago } from '../ages.js';
import { findBaseBackups } from '../backups.js';
import type { Check } from '../types.js';

/** Older than this, the newest base backup means a long WAL replay, or a backup schedule that stopped. */
const STALE_SECONDS = 8 * 86400;

/** The newest base backup under `--base-backup`, and how old it is: recovery starts from it. */
export const baseBackup: Check = {
  id: 'base-backup',
  applies: (c) => c.baseBackup !== undefined,
  async run(c) {
    const dir = c.baseBackup!;
    const { found, skipped } = await findBaseBackups(dir);
    c.facts.baseBackups = found;
    const newest = found.at(-1);
    const others = skipped.length
      ? `; ${skipped.length} without a backup_label skipped (not pg_basebackup output): ${skipped.join(', ')}`
      : '';
    if (!newest) {
      return {
        id: this.id,
        status: 'fail',
        summary: `no base backup under ${dir}${others}`,
        fix: 'take one: pg_basebackup -D <dir>/base-$(date +%F) -Fp -X stream -c fast (and on a schedule)',
      };
    }
    const age = newest.startedMs === undefined ? undefined : (c.now - newest.startedMs) / 1000;
    const when = `started ${newest.started}${age === undefined ? '' : `, ${ago(age)}`}`;
    const count = found.length > 1 ? ` (${found.length} base backups)` : '';
    if (age !== undefined && age > STALE_SECONDS) {
      return {
        id: this.id,
        status: 'warn',
        summary: `the newest base backup, ${newest.dir}, ${when}: recovery replays all WAL since then, and the schedule may have stopped${count}${others}`,
        fix: 'take base backups at least weekly (pg_basebackup from cron, or your backup tool’s schedule)',
      };
    }
    return {
      id: this.id,
      status: 'ok',
      summary: `the newest base backup is ${newest.dir}, ${when}${count}${others}`,
    };
  },
};
