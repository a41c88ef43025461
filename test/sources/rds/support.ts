import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type CliResult, runCli } from '../../harness/cli.js';
import { type Scratch, scratch, tempDir } from '../../harness/index.js';
import { StandIn } from './stand-in.js';

/**
 * The RDS story in a box: production (the scratch target) after `DELETE` of half of billing and a few
 * writes since; the "restored instance" (the scratch source) holding billing as it was at as-of; the
 * stand-in for the RDS and EC2 APIs whose restores lead to it.
 */
export interface RdsWorld {
  db: Scratch;
  aws: StandIn;
  stateDir: string;
  /** The as-of moment, inside the restorable window. */
  asOf: string;
  /** Runs the CLI with `env` (by default the AWS configuration of `awsEnv`, pointed at the stand-in). */
  cli(args: string[], env?: Record<string, string>): Promise<CliResult>;
  /** The restored server's database name (it is not the target's: both live on the test servers). */
  restoredDatabase: string;
  close(): Promise<void>;
}

const TABLE = `CREATE TABLE billing (id int PRIMARY KEY, account int NOT NULL, amount numeric(12,2), note text)`;

export async function rdsWorld(engine: 'postgres' = 'postgres'): Promise<RdsWorld> {
  const db = await scratch(engine);
  await db.source.exec(
    `${TABLE}; INSERT INTO billing SELECT g, g % 5, g * 1.5, 'row ' || g FROM generate_series(1, 100) g`,
  );
  await db.target.exec(
    `${TABLE}; INSERT INTO billing SELECT g, g % 5, g * 1.5, 'row ' || g FROM generate_series(51, 100) g;
     INSERT INTO billing SELECT g, 1, 1, 'written since' FROM generate_series(101, 105) g`,
  );
  const aws = new StandIn();
  await aws.start();
  const now = Date.now();
  aws.addSource({
    id: 'prod',
    earliest: new Date(now - 7 * 86_400_000),
    latest: new Date(now - 5 * 60_000),
  });
  const source = new URL(db.sourceUrl);
  aws.restoreTo = { address: '127.0.0.1', port: Number(source.port) };
  const stateDir = await tempDir();
  const asOf = new Date(now - 10 * 60_000).toISOString();
  const env = awsEnv(aws);
  return {
    db,
    aws,
    stateDir,
    asOf,
    restoredDatabase: decodeURIComponent(source.pathname.slice(1)),
    cli: (args, given = env) => runCli(args, { env: given, timeoutMs: 120_000 }),
    async close() {
      await aws.close();
      await db.close();
    },
  };
}

/** Region and credentials from the environment; the endpoints of the stand-in; no metadata service. */
export function awsEnv(aws: StandIn): Record<string, string> {
  return {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIAROWBACKTESTENV',
    AWS_SECRET_ACCESS_KEY: 'not-a-real-secret',
    AWS_ENDPOINT_URL_RDS: aws.url,
    AWS_ENDPOINT_URL_EC2: aws.url,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    ROWBACK_RDS_POLL_SECONDS: '0.05',
  };
}

/** The restore arguments of the story, with the stand-in's "restored" database named. */
export function restoreArgs(world: RdsWorld, extra: string[] = []): string[] {
  return [
    'restore',
    'billing',
    '--from',
    'rds:prod',
    '--as-of',
    world.asOf,
    '--to',
    world.db.targetUrl,
    '--from-database',
    world.restoredDatabase,
    '--state-dir',
    world.stateDir,
    '--yes',
    ...extra,
  ];
}

/** Run records left in the state dir (none once a run cleaned up after itself). */
export async function runRecords(stateDir: string): Promise<string[]> {
  return (await readdir(join(stateDir, 'runs')).catch(() => [] as string[])).filter((name) =>
    name.endsWith('.json'),
  );
}

/** Every row of billing in the target, as text lines. */
export async function billing(world: RdsWorld): Promise<string[]> {
  return world.db.dump('target', 'billing', ['id']);
}

/** What the target's billing must be after the default restore: rows 1–50 back, the writes since kept. */
export async function expectedAfterRestore(world: RdsWorld): Promise<string[]> {
  const restored = await world.db.dump('source', 'billing', ['id']);
  const current = await billing(world);
  const byId = new Map(current.map((line) => [line.split('\t')[0], line]));
  for (const line of restored) if (!byId.has(line.split('\t')[0])) byId.set(line.split('\t')[0], line);
  return [...byId.values()].sort((a, b) => Number(a.split('\t')[0]) - Number(b.split('\t')[0]));
}
