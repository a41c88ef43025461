import type { Check } from '../types.js';
import { coveredSince, keptFor } from './retention.js';

const FIX = "CALL mysql.rds_set_configuration('binlog retention hours', 168);";

/**
 * Amazon RDS for MySQL/MariaDB keeps binlogs only as long as its `binlog retention hours` setting says,
 * and purges them as soon as it can while the setting is NULL (its default): then nothing can be rewound.
 * Read with `CALL mysql.rds_show_configuration`; the server's own expiry settings do not apply there.
 */
export const binlogRetentionHours: Check = {
  id: 'binlog-retention-hours',
  applies: (c) =>
    c.engine === 'mysql' && c.variables.get('log_bin') === 'ON' && c.rdsConfiguration !== undefined,
  async run(c) {
    const value = c.rdsConfiguration?.get('binlog retention hours') ?? null;
    const hours = value === null || value.trim() === '' ? undefined : Number(value);
    const since = coveredSince(c);
    if (hours === undefined || !Number.isFinite(hours) || hours <= 0) {
      c.facts.retentionSeconds = undefined;
      return {
        id: this.id,
        status: 'fail',
        summary: `RDS purges binlogs as soon as it can (binlog retention hours is ${value === null ? 'NULL' : value}); ${since}`,
        fix: FIX,
      };
    }
    const seconds = hours * 3600;
    c.facts.retentionSeconds = seconds;
    if (hours < 24) {
      return {
        id: this.id,
        status: 'warn',
        summary: `RDS keeps binlogs for ${keptFor(seconds)} (binlog retention hours ${value}): an accident noticed later cannot be rewound; ${since}`,
        fix: FIX,
      };
    }
    return {
      id: this.id,
      status: 'ok',
      summary: `RDS keeps binlogs for ${keptFor(seconds)} (binlog retention hours ${value}); ${since}`,
    };
  },
};
