import {
  type DBCluster,
  type DBInstance,
  DescribeDBClustersCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
} from '@aws-sdk/client-rds';
import type { AsOf } from '../../core/as-of.js';
import { RowbackError } from '../../core/errors.js';
import { type Aws, awsError, faultCode } from './clients.js';

/** What rowback needs of the instance (or Aurora cluster) to restore from. */
export interface RdsSource {
  kind: 'instance' | 'cluster';
  id: string;
  /** `postgres`, `aurora-postgresql`, `mysql`, `mariadb`, `aurora-mysql`. */
  engine: string;
  /** The class the restored instance gets (the source's, or the cluster writer's). */
  instanceClass: string;
  port: number | undefined;
  securityGroups: string[];
  subnetGroup: string | undefined;
  retentionDays: number;
  /** The restorable window, in ms since the epoch. */
  earliest: number | undefined;
  latest: number | undefined;
}

export async function describeSource(aws: Aws, kind: RdsSource['kind'], id: string): Promise<RdsSource> {
  return kind === 'instance' ? describeInstance(aws, id) : describeCluster(aws, id);
}

async function describeInstance(aws: Aws, id: string): Promise<RdsSource> {
  let db: DBInstance | undefined;
  try {
    const out = await aws.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
    db = out.DBInstances?.[0];
  } catch (error) {
    if (faultCode(error) === 'DBInstanceNotFound' || faultCode(error) === 'DBInstanceNotFoundFault')
      throw notFound('instance', id, aws);
    throw awsError(error, 'rds:DescribeDBInstances', `describing ${id}`);
  }
  if (!db) throw notFound('instance', id, aws);
  let window: { EarliestTime?: Date; LatestTime?: Date } | undefined;
  try {
    const backups = await aws.rds.send(
      new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceIdentifier: id }),
    );
    window = backups.DBInstanceAutomatedBackups?.find((b) => b.Status !== 'retained')?.RestoreWindow;
  } catch (error) {
    if (!/NotFound/.test(faultCode(error)))
      throw awsError(
        error,
        'rds:DescribeDBInstanceAutomatedBackups',
        `reading the restorable window of ${id}`,
      );
  }
  return {
    kind: 'instance',
    id,
    engine: db.Engine ?? '',
    instanceClass: db.DBInstanceClass ?? '',
    port: db.Endpoint?.Port ?? db.DbInstancePort,
    securityGroups: (db.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId ?? '').filter(Boolean),
    subnetGroup: db.DBSubnetGroup?.DBSubnetGroupName,
    retentionDays: db.BackupRetentionPeriod ?? 0,
    earliest: window?.EarliestTime?.getTime(),
    latest: (window?.LatestTime ?? db.LatestRestorableTime)?.getTime(),
  };
}

async function describeCluster(aws: Aws, id: string): Promise<RdsSource> {
  let cluster: DBCluster | undefined;
  try {
    cluster = (await aws.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id })))
      .DBClusters?.[0];
  } catch (error) {
    if (/DBClusterNotFound/.test(faultCode(error))) throw notFound('cluster', id, aws);
    throw awsError(error, 'rds:DescribeDBClusters', `describing ${id}`);
  }
  if (!cluster) throw notFound('cluster', id, aws);
  const writer = cluster.DBClusterMembers?.find((m) => m.IsClusterWriter) ?? cluster.DBClusterMembers?.[0];
  let instanceClass = cluster.DBClusterInstanceClass ?? '';
  if (!instanceClass && writer?.DBInstanceIdentifier) {
    try {
      const out = await aws.rds.send(
        new DescribeDBInstancesCommand({ DBInstanceIdentifier: writer.DBInstanceIdentifier }),
      );
      instanceClass = out.DBInstances?.[0]?.DBInstanceClass ?? '';
    } catch (error) {
      throw awsError(error, 'rds:DescribeDBInstances', `describing the writer of ${id}`);
    }
  }
  return {
    kind: 'cluster',
    id,
    engine: cluster.Engine ?? '',
    instanceClass,
    port: cluster.Port,
    securityGroups: (cluster.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId ?? '').filter(Boolean),
    subnetGroup: cluster.DBSubnetGroup,
    retentionDays: cluster.BackupRetentionPeriod ?? 0,
    earliest: cluster.EarliestRestorableTime?.getTime(),
    latest: cluster.LatestRestorableTime?.getTime(),
  };
}

function notFound(kind: RdsSource['kind'], id: string, aws: Aws): RowbackError {
  const what = kind === 'instance' ? 'DB instance' : 'DB cluster';
  return new RowbackError('not-found', `There is no ${what} "${id}" in ${aws.region}.`, {
    hint:
      kind === 'instance'
        ? `Check the name and the region (AWS_REGION); for Aurora, name the cluster: --from rds-cluster:${id}`
        : `Check the name and the region (AWS_REGION); for a single instance: --from rds:${id}`,
  });
}

/** The engine family of the target the source must match. */
export function engineFamily(engine: string): 'postgres' | 'mysql' | undefined {
  if (/postgres/.test(engine)) return 'postgres';
  if (/mysql|mariadb/.test(engine)) return 'mysql';
  return undefined;
}

/** Refuses, before anything is created, an as-of outside the restorable window (saying the window). */
export function checkWindow(source: RdsSource, asOf: AsOf): void {
  const iso = (ms: number | undefined) =>
    ms === undefined ? 'unknown' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const name = `${source.kind === 'instance' ? 'rds' : 'rds-cluster'}:${source.id}`;
  if (source.retentionDays === 0 || source.latest === undefined) {
    throw new RowbackError(
      'unsupported',
      `${name} has no automated backups (backup retention 0 days): it cannot be restored to a point in time.`,
      {
        hint: 'Turn automated backups on (a retention of 1–35 days) for the future; for now a snapshot or a dump is the way back.',
      },
    );
  }
  const window = `${iso(source.earliest)} … ${iso(source.latest)}`;
  if (source.earliest !== undefined && asOf.epochMs < source.earliest) {
    throw new RowbackError(
      'usage',
      `--as-of ${asOf.utc} is before the restorable window of ${name}: ${window} (backup retention ${source.retentionDays} days).`,
      {
        hint: 'Choose a moment inside the window; older moments need a snapshot or a dump.',
      },
    );
  }
  if (asOf.epochMs > source.latest) {
    throw new RowbackError(
      'usage',
      `--as-of ${asOf.utc} is after the latest restorable time of ${name}: ${window}.`,
      {
        hint: 'The latest restorable time trails the present by about five minutes: wait, or choose an earlier moment.',
      },
    );
  }
}
