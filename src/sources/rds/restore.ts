import {
  CreateDBInstanceCommand,
  type DBInstance,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RestoreDBClusterToPointInTimeCommand,
  RestoreDBInstanceToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import type { AsOf } from '../../core/as-of.js';
import { RowbackError } from '../../core/errors.js';
import type { CreateContext } from '../instance/lifecycle.js';
import { formatDuration } from '../instance/lifecycle.js';
import type { Run } from '../instance/run.js';
import { pollUntil } from '../instance/wait.js';
import { type Aws, awsError, faultCode } from './clients.js';
import type { RdsSource } from './describe.js';

/** The tag on everything rowback creates in AWS, so cleanup (and a person) can find it. */
export const RUN_TAG = 'rowback:run-id';

/** `rowback-billing-20261124-101459-3fa9c1`: lowercase letters, digits and single hyphens, ≤ 63. */
export function restoredName(table: string, asOf: AsOf, runId: string): string {
  const base = table
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 24);
  const stamp = asOf.utc.slice(0, 19).replace(/[-:]/g, '').replace(' ', '-');
  const suffix = runId.slice(-6);
  return ['rowback', base || 'table', stamp, suffix].join('-').replace(/-{2,}/g, '-');
}

export interface Restored {
  address: string;
  port: number;
  status: string;
}

/** How often to ask AWS whether the instance is ready (seconds; `ROWBACK_RDS_POLL_SECONDS`). */
export function pollMs(): number {
  const seconds = Number(process.env['ROWBACK_RDS_POLL_SECONDS'] ?? 15);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 15_000;
}

/**
 * Starts the point-in-time restore into `name` with the source's security groups and subnet group, not
 * publicly accessible unless asked, tagged with the run. Each thing is recorded in the run before the call
 * that creates it, so a run killed during the call still leaves a record for cleanup.
 */
export async function startRestore(
  aws: Aws,
  source: RdsSource,
  name: string,
  asOf: AsOf,
  run: Run,
  publiclyAccessible: boolean,
): Promise<void> {
  const tags = [{ Key: RUN_TAG, Value: run.id }];
  const network = {
    ...(source.subnetGroup ? { DBSubnetGroupName: source.subnetGroup } : {}),
    ...(source.securityGroups.length ? { VpcSecurityGroupIds: source.securityGroups } : {}),
  };
  if (source.kind === 'instance') {
    await run.record({
      type: 'rds-instance',
      label: `the RDS instance ${name}`,
      id: name,
      region: aws.region,
    });
    await send('rds:RestoreDBInstanceToPointInTime', `restoring ${source.id} into ${name}`, () =>
      aws.rds.send(
        new RestoreDBInstanceToPointInTimeCommand({
          SourceDBInstanceIdentifier: source.id,
          TargetDBInstanceIdentifier: name,
          RestoreTime: new Date(asOf.epochMs),
          DBInstanceClass: source.instanceClass || undefined,
          PubliclyAccessible: publiclyAccessible,
          MultiAZ: false,
          DeletionProtection: false,
          CopyTagsToSnapshot: false,
          Tags: tags,
          ...network,
        }),
      ),
    );
    return;
  }
  await run.record({
    type: 'rds-cluster',
    label: `the Aurora cluster ${name}`,
    id: name,
    region: aws.region,
  });
  await send('rds:RestoreDBClusterToPointInTime', `cloning ${source.id} into ${name}`, () =>
    aws.rds.send(
      new RestoreDBClusterToPointInTimeCommand({
        SourceDBClusterIdentifier: source.id,
        DBClusterIdentifier: name,
        RestoreType: 'copy-on-write',
        RestoreToTime: new Date(asOf.epochMs),
        DeletionProtection: false,
        Tags: tags,
        ...(source.subnetGroup ? { DBSubnetGroupName: source.subnetGroup } : {}),
        ...(source.securityGroups.length ? { VpcSecurityGroupIds: source.securityGroups } : {}),
      }),
    ),
  );
  const instance = `${name}-1`;
  await run.record({
    type: 'rds-instance',
    label: `the Aurora instance ${instance}`,
    id: instance,
    region: aws.region,
  });
  await send('rds:CreateDBInstance', `adding an instance to ${name}`, () =>
    aws.rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: instance,
        DBClusterIdentifier: name,
        Engine: source.engine,
        DBInstanceClass: source.instanceClass,
        PubliclyAccessible: publiclyAccessible,
        Tags: tags,
      }),
    ),
  );
}

async function send<T>(action: string, doing: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw awsError(error, action, doing);
  }
}

/** Statuses from which an instance never becomes available by itself. */
const DEAD_END =
  /^(failed|incompatible-.*|inaccessible-encryption-credentials.*|storage-full|restore-error|deleting|stopped)$/;

/**
 * Waits until the restored instance is available, reporting its status and the time spent (and, when a
 * previous restore of the same source is on record, the time that one took).
 */
export async function waitAvailable(
  aws: Aws,
  source: RdsSource,
  name: string,
  context: CreateContext,
  previousMs: number | undefined,
): Promise<Restored> {
  const instance = source.kind === 'instance' ? name : `${name}-1`;
  let status = 'creating';
  return pollUntil(
    async () => {
      let db: DBInstance | undefined;
      try {
        db = (await aws.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instance })))
          .DBInstances?.[0];
      } catch (error) {
        if (/NotFound/.test(faultCode(error))) return undefined; // not visible yet right after the call
        throw awsError(error, 'rds:DescribeDBInstances', `waiting for ${instance}`);
      }
      status = db?.DBInstanceStatus ?? 'unknown';
      if (DEAD_END.test(status)) {
        throw new RowbackError(
          'connection',
          `The restored instance ${instance} did not become available: its status is "${status}".`,
          {
            hint: `See the instance's events in the RDS console (aws rds describe-events --source-identifier ${instance}); rowback deletes it now.`,
          },
        );
      }
      if (status !== 'available' || !db?.Endpoint?.Address) return undefined;
      const port = db.Endpoint.Port ?? source.port ?? 0;
      if (source.kind === 'cluster') return clusterEndpoint(aws, name, port, status);
      return { address: db.Endpoint.Address, port, status };
    },
    {
      intervalMs: pollMs(),
      timeoutMs: 6 * 3_600_000,
      what: `The restore of ${source.id} into ${instance}`,
      ...(context.signal ? { signal: context.signal } : {}),
      onTick: (elapsedMs) => {
        const left = previousMs === undefined ? undefined : Math.max(0, previousMs - elapsedMs);
        context.progress({
          message: `${instance} is ${status} (${formatDuration(elapsedMs)} so far${previousMs === undefined ? '' : `; the last restore of ${source.id} took ${formatDuration(previousMs)}`})`,
          elapsedMs,
          ...(left === undefined ? {} : { etaMs: left }),
        });
      },
    },
  );
}

async function clusterEndpoint(
  aws: Aws,
  name: string,
  port: number,
  status: string,
): Promise<Restored | undefined> {
  try {
    const cluster = (await aws.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: name })))
      .DBClusters?.[0];
    if (cluster?.Status !== 'available' || !cluster.Endpoint) return undefined;
    return { address: cluster.Endpoint, port: cluster.Port ?? port, status };
  } catch (error) {
    throw awsError(error, 'rds:DescribeDBClusters', `waiting for ${name}`);
  }
}
