import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnCli, tempDir } from '../../harness/index.js';
import {
  awsEnv,
  billing,
  expectedAfterRestore,
  type RdsWorld,
  rdsWorld,
  restoreArgs,
  runRecords,
} from './support.js';

let world: RdsWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** Starts the CLI and waits until the stand-in is creating the instance. */
async function startCreating(w: RdsWorld, extra: string[] = []) {
  const child = spawnCli(restoreArgs(w, extra), { env: awsEnv(w.aws) });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  for (let i = 0; i < 1200 && w.aws.history.length === 0; i++) await sleep(25);
  expect(w.aws.history[0]?.status).toBe('creating');
  return { child, exited, stderr: () => stderr };
}

describe('the temporary RDS instance', () => {
  it('is still deleted when the user presses Ctrl-C while it is being created (once it can be)', async () => {
    world = await rdsWorld();
    world.aws.restoreTo.polls = 60;
    const before = await billing(world);
    const run = await startCreating(world);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    const [restored] = world.aws.history;
    expect(restored?.deleted).toMatchObject({ SkipFinalSnapshot: 'true', DeleteAutomatedBackups: 'true' });
    expect(world.aws.instances.has(restored!.id)).toBe(false);
    expect(run.stderr()).toMatch(/is creating; it can be deleted once that ends/);
    expect(run.stderr()).toContain('what it had created was removed');
    expect(await billing(world)).toEqual(before);
    expect(await runRecords(world.stateDir)).toEqual([]);
  }, 120_000);

  it('left by a killed run is deleted by `rowback cleanup`, with the AWS configuration of the shell', async () => {
    world = await rdsWorld();
    world.aws.restoreTo.polls = 20;
    const run = await startCreating(world);
    run.child.kill('SIGKILL');
    await run.exited;
    expect(await runRecords(world.stateDir)).toHaveLength(1);
    const [restored] = world.aws.history;
    expect(world.aws.instances.get(restored!.id)?.deleted).toBeUndefined();
    const cleanup = await world.cli(['cleanup', '--state-dir', world.stateDir, '--json']);
    expect(cleanup.code).toBe(0);
    expect(JSON.parse(cleanup.stdout).runs[0]).toMatchObject({
      outcome: 'cleaned',
      removed: [`the RDS instance ${restored!.id}`],
    });
    expect(world.aws.instances.has(restored!.id)).toBe(false);
    expect(await runRecords(world.stateDir)).toEqual([]);
  }, 120_000);

  it('opens its security group to the caller only when unreachable, and revokes the rule afterwards', async () => {
    world = await rdsWorld();
    const expected = await expectedAfterRestore(world);
    world.aws.restoreTo.port = await world.aws.firewall('127.0.0.1', world.aws.restoreTo.port);
    const result = await world.cli(restoreArgs(world));
    expect(result.stderr).not.toContain('rowback:');
    expect(result.code).toBe(0);
    expect(await billing(world)).toEqual(expected);
    const authorize = world.aws.calls.find((c) => c.action === 'AuthorizeSecurityGroupIngress');
    expect(authorize?.params).toMatchObject({
      GroupId: 'sg-0a1b2c3d',
      'IpPermissions.1.IpProtocol': 'tcp',
      'IpPermissions.1.FromPort': String(world.aws.restoreTo.port),
      'IpPermissions.1.IpRanges.1.CidrIp': '127.0.0.1/32',
    });
    expect(world.aws.actions()).toContain('RevokeSecurityGroupIngress');
    expect(world.aws.rules).toEqual([]);
    expect(result.stderr).toContain(`Opened sg-0a1b2c3d to 127.0.0.1/32 on port ${world.aws.restoreTo.port}`);
    // The rule goes before the instance it opened.
    const order = world.aws.actions();
    expect(order.indexOf('RevokeSecurityGroupIngress')).toBeLessThan(order.indexOf('DeleteDBInstance'));
  }, 120_000);

  it('deletes the instance when opening the security group is denied, naming the EC2 action', async () => {
    world = await rdsWorld();
    world.aws.restoreTo.port = await world.aws.firewall('127.0.0.1', world.aws.restoreTo.port);
    world.aws.fail(
      'AuthorizeSecurityGroupIngress',
      'UnauthorizedOperation',
      'You are not authorized to perform this operation.',
      403,
    );
    const result = await world.cli(restoreArgs(world));
    expect(result.stderr).toContain(
      'AWS denied ec2:AuthorizeSecurityGroupIngress while opening sg-0a1b2c3d to 127.0.0.1/32',
    );
    expect(result.code).toBe(6);
    const [restored] = world.aws.history;
    expect(world.aws.instances.has(restored!.id)).toBe(false);
    expect(world.aws.rules).toEqual([]);
    expect(await runRecords(world.stateDir)).toEqual([]);
  }, 120_000);

  it('reads the region and credentials of an AWS profile, and the endpoint of AWS_ENDPOINT_URL', async () => {
    world = await rdsWorld();
    const expected = await expectedAfterRestore(world);
    const dir = await tempDir();
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'config'), '[profile recovery]\nregion = eu-west-1\n');
    await writeFile(
      join(dir, 'credentials'),
      '[recovery]\naws_access_key_id = AKIAROWBACKPROFILE\naws_secret_access_key = profile-secret\n',
    );
    // No AWS_REGION, no keys, no service endpoints in the environment: only the profile and one endpoint.
    const env = {
      AWS_ENDPOINT_URL: world.aws.url,
      AWS_EC2_METADATA_DISABLED: 'true',
      ROWBACK_RDS_POLL_SECONDS: '0.05',
      AWS_PROFILE: 'recovery',
      AWS_CONFIG_FILE: join(dir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
    };
    const result = await world.cli(restoreArgs(world), env);
    expect(result.stderr).not.toContain('rowback:');
    expect(result.code).toBe(0);
    expect(await billing(world)).toEqual(expected);
    expect(new Set(world.aws.calls.map((c) => c.accessKey))).toEqual(new Set(['AKIAROWBACKPROFILE']));
  }, 120_000);

  it('clones an Aurora cluster to the moment, adds an instance, and deletes both', async () => {
    world = await rdsWorld();
    const expected = await expectedAfterRestore(world);
    const now = Date.now();
    world.aws.addCluster({
      id: 'prod-cluster',
      earliest: new Date(now - 86_400_000),
      latest: new Date(now - 60_000),
      members: [],
    });
    world.aws.addSource({
      id: 'prod-cluster-writer',
      instanceClass: 'db.r7g.xlarge',
      engine: 'aurora-postgresql',
    });
    world.aws.clusters.get('prod-cluster')!.members.push('prod-cluster-writer');
    const args = restoreArgs(world).map((a) => (a === 'rds:prod' ? 'rds-cluster:prod-cluster' : a));
    const result = await world.cli(args);
    expect(result.stderr).not.toContain('rowback:');
    expect(result.code).toBe(0);
    expect(await billing(world)).toEqual(expected);
    const [cluster] = world.aws.clusterHistory;
    expect(cluster?.created).toMatchObject({
      SourceDBClusterIdentifier: 'prod-cluster',
      RestoreType: 'copy-on-write',
    });
    expect(world.aws.history[0]?.created).toMatchObject({
      DBClusterIdentifier: cluster!.id,
      DBInstanceClass: 'db.r7g.xlarge',
    });
    expect(world.aws.clusters.has(cluster!.id)).toBe(false);
    expect(world.aws.instances.has(world.aws.history[0]!.id)).toBe(false);
    expect(cluster?.deleted).toMatchObject({ SkipFinalSnapshot: 'true' });
  }, 120_000);
});
