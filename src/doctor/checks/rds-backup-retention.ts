import type { Check } from '../types.js';

/** Fewer days than this, an accident noticed after a long weekend is out of reach. */
const ENOUGH_DAYS = 7;

/**
 * Point-in-time restores of RDS and Aurora need automated backups: a retention of 1–35 days. With 0 the
 * instance cannot be restored to any moment; with a few days, an accident noticed late cannot either.
 */
export const rdsBackupRetention: Check = {
  id: 'rds-backup-retention',
  applies: (c) => c.engine === 'rds',
  async run(c) {
    const rds = c.rds!;
    const days = rds.retentionDays;
    c.facts.retentionSeconds = days * 86400;
    const modify =
      rds.kind === 'instance'
        ? `aws rds modify-db-instance --db-instance-identifier ${rds.id} --backup-retention-period ${ENOUGH_DAYS} --apply-immediately`
        : `aws rds modify-db-cluster --db-cluster-identifier ${rds.id} --backup-retention-period ${ENOUGH_DAYS} --apply-immediately`;
    if (days === 0) {
      return {
        id: this.id,
        status: 'fail',
        summary:
          'automated backups are off (backup retention 0 days): the instance cannot be restored to a point in time',
        fix: modify,
      };
    }
    if (days < ENOUGH_DAYS) {
      return {
        id: this.id,
        status: 'warn',
        summary: `automated backups are kept ${days} day(s): an accident noticed later than that cannot be restored`,
        fix: modify,
      };
    }
    return { id: this.id, status: 'ok', summary: `automated backups are kept ${days} days` };
  },
};
