import { ago, isoSeconds, span } from '../ages.js';
import type { Check } from '../types.js';

/** RDS uploads transaction logs every five minutes; the latest restorable time trails by about that. */
const USUAL_LAG_SECONDS = 15 * 60;

/**
 * The restorable window: from the earliest restorable time (the oldest automated backup) to the latest
 * (the last uploaded transaction log). A latest restorable time far behind the present means the logs
 * are not being uploaded, and the last minutes before an accident cannot be reached.
 */
export const rdsRestorableTime: Check = {
  id: 'rds-restorable-time',
  applies: (c) => c.engine === 'rds' && (c.rds?.retentionDays ?? 0) > 0,
  async run(c) {
    const { earliest, latest } = c.rds!;
    c.facts.restorableWindow = {
      ...(earliest === undefined ? {} : { earliest: isoSeconds(earliest) }),
      ...(latest === undefined ? {} : { latest: isoSeconds(latest) }),
    };
    if (earliest !== undefined) c.facts.oldestCovered = Math.floor(earliest / 1000);
    if (latest === undefined) {
      return {
        id: this.id,
        status: 'fail',
        summary: 'RDS reports no latest restorable time: no moment can be restored yet',
        fix: 'wait for the first automated backup to finish, and check the instance’s events (aws rds describe-events)',
      };
    }
    const lag = (c.now - latest) / 1000;
    const window = `${earliest === undefined ? 'an unknown start' : isoSeconds(earliest)} … ${isoSeconds(latest)}`;
    if (lag > USUAL_LAG_SECONDS) {
      return {
        id: this.id,
        status: 'warn',
        summary: `the latest restorable time is ${ago(lag)} (usually about 5 min): the transaction logs are not being uploaded; window ${window}`,
        fix: 'check the instance’s events and status (aws rds describe-events --source-identifier …)',
      };
    }
    return {
      id: this.id,
      status: 'ok',
      summary: `restorable from ${window} (the latest ${span(Math.max(0, lag))} behind now)`,
    };
  },
};
