import { utcText } from '../../sources/binlog/as-of-spec.js';
import type { Check, DoctorContext } from '../types.js';

const DAY = 86400;

/**
 * How long binlogs are kept, and the oldest moment they still cover (read from the oldest file's start,
 * which the privileges check stores). Amazon RDS keeps them only as long as `binlog retention hours` says,
 * and purges them at once while it is NULL.
 */
export const retention: Check = {
  id: 'retention',
  applies: (c) => c.engine === 'mysql' && c.variables.get('log_bin') === 'ON',
  async run(c) {
    const rds = await rdsRetentionHours(c);
    const seconds = rds.onRds ? (rds.hours === null ? undefined : rds.hours * 3600) : serverRetention(c);
    c.facts.retentionSeconds = seconds;
    const oldest = c.facts.oldestCovered;
    const since =
      oldest === undefined
        ? 'the oldest moment covered is unknown'
        : `the binlog covers ${utcText(oldest)} on`;
    if (rds.onRds && rds.hours === null) {
      return {
        id: this.id,
        status: 'fail',
        summary: `RDS purges binlogs as soon as it can (binlog retention hours is NULL); ${since}`,
        fix: "CALL mysql.rds_set_configuration('binlog retention hours', 168);",
      };
    }
    if (seconds === 0)
      return { id: this.id, status: 'ok', summary: `binlogs are kept until purged by hand; ${since}` };
    const days = (seconds ?? 0) / DAY;
    const kept =
      seconds === undefined
        ? 'for an unknown time'
        : `for ${days >= 1 ? `${+days.toFixed(2)} day(s)` : `${Math.round((seconds ?? 0) / 3600)} hour(s)`}`;
    if (seconds !== undefined && seconds < DAY) {
      return {
        id: this.id,
        status: 'warn',
        summary: `binlogs are kept ${kept}: an accident noticed later cannot be rewound; ${since}`,
        fix: rds.onRds
          ? "CALL mysql.rds_set_configuration('binlog retention hours', 168);"
          : 'SET GLOBAL binlog_expire_logs_seconds = 604800 (7 days) and in the configuration',
      };
    }
    return { id: this.id, status: 'ok', summary: `binlogs are kept ${kept}; ${since}` };
  },
};

/** MySQL 8 and MariaDB 10.6+: binlog_expire_logs_seconds; older MariaDB: expire_logs_days (0: never). */
function serverRetention(c: DoctorContext): number | undefined {
  const seconds = c.variables.get('binlog_expire_logs_seconds');
  const days = c.variables.get('expire_logs_days');
  if (seconds !== undefined && Number(seconds) > 0) return Number(seconds);
  if (days !== undefined && Number(days) > 0) return Math.round(Number(days) * DAY);
  if (seconds !== undefined || days !== undefined) return 0;
  return undefined;
}

async function rdsRetentionHours(c: DoctorContext): Promise<{ onRds: boolean; hours: number | null }> {
  try {
    const rows = await c.query('CALL mysql.rds_show_configuration');
    const row = rows.find((r) => r[0] === 'binlog retention hours');
    return { onRds: true, hours: row?.[1] === null || row?.[1] === undefined ? null : Number(row[1]) };
  } catch {
    return { onRds: false, hours: null };
  }
}
