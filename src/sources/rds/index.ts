import type { AsOf } from '../../core/as-of.js';
import { RowbackError } from '../../core/errors.js';
import type { OpenSourceOptions, Source } from '../../core/source.js';
import { type CreateContext, openTemporarySource, type TemporaryInstance } from '../instance/lifecycle.js';
import type { Run } from '../instance/run.js';
import { type Aws, awsClients, closeClients } from './clients.js';
import { checkWindow, describeSource, engineFamily, type RdsSource } from './describe.js';
import { ensureReachable } from './network.js';
import { restoredName, startRestore, waitAvailable } from './restore.js';
import { chooseTls, tlsQuery, writeRdsBundle } from './tls.js';

/**
 * Amazon RDS and Aurora: `--from rds:INSTANCE --as-of T` (or `rds-cluster:CLUSTER`, cloned to the
 * moment) restores a temporary instance with the AWS API, reads the table through it with the target
 * URL's user and password (a restored instance keeps its users), and deletes it afterwards.
 */
export async function openRdsSource(
  kind: 'instance' | 'cluster',
  id: string,
  options: OpenSourceOptions,
): Promise<Source> {
  const name = `${kind === 'instance' ? 'rds' : 'rds-cluster'}:${id}`;
  const asOf = options.asOf;
  if (!asOf) {
    throw new RowbackError('usage', `--from ${name} needs --as-of: the moment to restore the instance to.`, {
      hint: 'For example --as-of "2026-11-24 10:14:59+00" or --as-of "10 minutes ago".',
    });
  }
  const aws = await awsClients();
  let source: RdsSource;
  try {
    source = await describeSource(aws, kind, id);
    const family = engineFamily(source.engine);
    if (family !== options.targetEngine) {
      throw new RowbackError(
        'unsupported',
        `${name} runs ${source.engine}, and the target is ${options.targetEngine}.`,
        {
          hint: 'Restore into a target of the same engine.',
        },
      );
    }
    checkWindow(source, asOf);
  } catch (error) {
    closeClients(aws);
    throw error;
  }
  try {
    return await openTemporarySource(
      {
        what: `the restore of ${name} as of ${asOf.utc}`,
        key: name,
        create: (run, context) => create({ aws, source, asOf, options, name }, run, context),
      },
      options,
    );
  } finally {
    closeClients(aws);
  }
}

interface Plan {
  aws: Aws;
  source: RdsSource;
  asOf: AsOf;
  options: OpenSourceOptions;
  name: string;
}

async function create(plan: Plan, run: Run, context: CreateContext): Promise<TemporaryInstance> {
  const { aws, source, asOf, options } = plan;
  const family = options.targetEngine as 'postgres' | 'mysql';
  const instance = restoredName(options.table ?? 'table', asOf, run.id);
  const publicly = options.flags?.publiclyAccessible === true;
  context.note(
    `Restoring ${plan.name} (${source.engine}, ${source.instanceClass || 'its class'}) to ${asOf.utc} into ${instance}${publicly ? ', publicly accessible' : ''}; it is billed by the hour until rowback deletes it.`,
  );
  const began = Date.now();
  let availableMs: number | undefined;
  await startRestore(aws, source, instance, asOf, run, publicly);
  const restored = await waitAvailable(aws, source, instance, context, context.previousMs);
  availableMs = Date.now() - began;
  await ensureReachable(aws, run, { ...restored, groups: source.securityGroups, name: instance }, context);
  const tls = await chooseTls(family, restored.address, restored.port);
  const bundle =
    tls === 'verify-rds'
      ? await writeRdsBundle(await run.makeDir('rds', 'the copy of the RDS CA bundle'))
      : undefined;
  context.note(
    `${instance} is available at ${restored.address}:${restored.port} (${tls === 'none' ? 'no TLS offered' : tls === 'verify-rds' ? 'TLS, verified against the RDS CA' : 'TLS, unverified'}).`,
  );
  return {
    url: instanceUrl(family, options, restored, tlsQuery(family, tls, bundle)),
    label: `${plan.name} as of ${asOf.utc} (restored into ${instance})`,
    facts: () => [
      `instance class ${source.instanceClass || 'unknown'}`,
      ...(availableMs === undefined ? [] : [`available after ${Math.round(availableMs / 1000)} s`]),
    ],
  };
}

/** The target URL's user, password and database, pointed at the restored instance. */
function instanceUrl(
  family: 'postgres' | 'mysql',
  options: OpenSourceOptions,
  endpoint: { address: string; port: number },
  query: string,
): string {
  const target = new URL(options.targetUrl ?? `${family}://localhost/`);
  const user = target.username ? `${target.username}${target.password ? `:${target.password}` : ''}@` : '';
  const database = options.flags?.database ?? decodeURIComponent(target.pathname.replace(/^\//, ''));
  const host = endpoint.address.includes(':') ? `[${endpoint.address}]` : endpoint.address;
  return `${family}://${user}${host}:${endpoint.port}/${encodeURIComponent(database)}?${query}`;
}
