import { RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import {
  type DBCluster,
  type DBInstance,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
} from '@aws-sdk/client-rds';
import type { Remover } from '../instance/remove.js';
import type { Resource } from '../instance/state.js';
import { sleep } from '../instance/wait.js';
import { type Aws, awsClients, awsError, closeClients, faultCode } from './clients.js';
import { pollMs, RUN_TAG } from './restore.js';

type Of<T extends Resource['type']> = Extract<Resource, { type: T }>;

async function withAws<T>(region: string, fn: (aws: Aws) => Promise<T>): Promise<T> {
  const aws = await awsClients(region);
  try {
    return await fn(aws);
  } finally {
    closeClients(aws);
  }
}

const gone = (error: unknown) => /NotFound/.test(faultCode(error));

/**
 * Deletes a restored instance rowback created — only if it carries this run's tag — with no final
 * snapshot and no retained automated backups, and waits until it is gone. An instance still being
 * created cannot be deleted yet: wait and try again.
 */
const removeInstance: Remover<Of<'rds-instance'>> = (resource, context) =>
  withAws(resource.region, async (aws) => {
    for (let attempt = 0; ; attempt++) {
      let db: DBInstance | undefined;
      try {
        db = (await aws.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: resource.id })))
          .DBInstances?.[0];
      } catch (error) {
        if (gone(error)) return;
        throw awsError(error, 'rds:DescribeDBInstances', `checking ${resource.id} before deleting it`);
      }
      if (!db) return;
      const tag = db.TagList?.find((t) => t.Key === RUN_TAG)?.Value;
      if (tag !== context.runId) {
        throw new Error(
          `${resource.id} is not tagged ${RUN_TAG}=${context.runId} (it says ${tag ?? 'nothing'}); left in place`,
        );
      }
      if (db.DBInstanceStatus !== 'deleting') {
        try {
          await aws.rds.send(
            new DeleteDBInstanceCommand({
              DBInstanceIdentifier: resource.id,
              SkipFinalSnapshot: true,
              DeleteAutomatedBackups: true,
            }),
          );
          context.note(`Deleting ${resource.id} (no final snapshot, no retained backups)…`);
        } catch (error) {
          if (gone(error)) return;
          if (
            faultCode(error) !== 'InvalidDBInstanceState' &&
            faultCode(error) !== 'InvalidDBInstanceStateFault'
          ) {
            throw awsError(error, 'rds:DeleteDBInstance', `deleting ${resource.id}`);
          }
          if (attempt % 8 === 0)
            context.note(`${resource.id} is ${db.DBInstanceStatus}; it can be deleted once that ends…`);
        }
      }
      await sleep(pollMs());
    }
  });

const removeCluster: Remover<Of<'rds-cluster'>> = (resource, context) =>
  withAws(resource.region, async (aws) => {
    for (let attempt = 0; ; attempt++) {
      let cluster: DBCluster | undefined;
      try {
        cluster = (await aws.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: resource.id })))
          .DBClusters?.[0];
      } catch (error) {
        if (gone(error)) return;
        throw awsError(error, 'rds:DescribeDBClusters', `checking ${resource.id} before deleting it`);
      }
      if (!cluster) return;
      const tag = cluster.TagList?.find((t) => t.Key === RUN_TAG)?.Value;
      if (tag !== context.runId) {
        throw new Error(`${resource.id} is not tagged ${RUN_TAG}=${context.runId}; left in place`);
      }
      if (cluster.Status !== 'deleting') {
        try {
          await aws.rds.send(
            new DeleteDBClusterCommand({ DBClusterIdentifier: resource.id, SkipFinalSnapshot: true }),
          );
          context.note(`Deleting the cluster ${resource.id}…`);
        } catch (error) {
          if (gone(error)) return;
          if (!/InvalidDBClusterState/.test(faultCode(error)))
            throw awsError(error, 'rds:DeleteDBCluster', `deleting ${resource.id}`);
          if (attempt % 8 === 0)
            context.note(`${resource.id} is ${cluster.Status}; it can be deleted once that ends…`);
        }
      }
      await sleep(pollMs());
    }
  });

/** Revokes the ingress rule rowback added (a rule already gone counts as revoked). */
const removeIngress: Remover<Of<'ingress'>> = (resource) =>
  withAws(resource.region, async (aws) => {
    try {
      await aws.ec2.send(
        new RevokeSecurityGroupIngressCommand({
          GroupId: resource.groupId,
          IpPermissions: [
            {
              IpProtocol: 'tcp',
              FromPort: resource.port,
              ToPort: resource.port,
              IpRanges: [{ CidrIp: resource.cidr }],
            },
          ],
        }),
      );
    } catch (error) {
      if (/InvalidPermission\.NotFound|InvalidGroup\.NotFound/.test(faultCode(error))) return;
      throw awsError(
        error,
        'ec2:RevokeSecurityGroupIngress',
        `revoking ${resource.cidr} in ${resource.groupId}`,
      );
    }
  });

export const removers = {
  'rds-instance': removeInstance,
  'rds-cluster': removeCluster,
  ingress: removeIngress,
};
