import { utcText } from '../../sources/binlog/as-of-spec.js';
import type { Check, DoctorContext } from '../types.js';

const DAY = 86400;

/**
 * How long the server keeps its binlogs, and the oldest moment they still cover (read from the oldest
 * file's start, which the privileges check stores). On Amazon RDS the server's own settings do not
 * decide: see binlog-retention-hours.
 */
export const retention: Check = {
  id: 'retention',
  applies: (c) => c.engine === 'mysql' && c.variables.get('log_bin') === 'ON' && !c.rdsConfiguration,
  async run(c) {
    const seconds = serverRetention(c);
    c.facts.retentionSeconds = seconds;
    const since = coveredSince(c);
    if (seconds === 0)
      return { id: this.id, status: 'ok', summary: `binlogs are kept until purged by hand; ${since}` };
    const kept = seconds === undefined ? 'for an unknown time' : `for ${keptFor(seconds)}`;
    if (seconds !== undefined && seconds < DAY) {
      return {
        id: this.id,
        status: 'warn',
        summary: `binlogs are kept ${kept}: an accident noticed later cannot be rewound; ${since}`,
        fix: 'SET GLOBAL binlog_expire_logs_seconds = 604800 (7 days) and in the configuration',
      };
    }
    return { id: this.id, status: 'ok', summary: `binlogs are kept ${kept}; ${since}` };
  },
};

/** `the binlog covers 2026-11-24 10:00:00 on`, from the oldest binlog's start. */
export function coveredSince(c: DoctorContext): string {
  const oldest = c.facts.oldestCovered;
  return oldest === undefined
    ? 'the oldest moment covered is unknown'
    : `the binlog covers ${utcText(oldest)} on`;
}

/** `7 day(s)`, `12 hour(s)`. */
export function keptFor(seconds: number): string {
  const days = seconds / DAY;
  return days >= 1 ? `${+days.toFixed(2)} day(s)` : `${Math.round(seconds / 3600)} hour(s)`;
}

/** MySQL 8 and MariaDB 10.6+: binlog_expire_logs_seconds; older MariaDB: expire_logs_days (0: never). */
function serverRetention(c: DoctorContext): number | undefined {
  const seconds = c.variables.get('binlog_expire_logs_seconds');
  const days = c.variables.get('expire_logs_days');
  if (seconds !== undefined && Number(seconds) > 0) return Number(seconds);
  if (days !== undefined && Number(days) > 0) return Math.round(Number(days) * DAY);
  if (seconds !== undefined || days !== undefined) return 0;
  return undefined;
}
