import { resolve } from 'node:path';
import { RowbackError } from '../core/errors.js';
import { redactUrl, registerUrlSecrets } from '../core/redact.js';
import { connect } from '../open.js';
import type { ReplicaConnection } from '../sources/binlog/replica.js';
import type { DoctorContext } from './types.js';

/** What `runDoctor` is given besides what to check. */
export interface SubjectOptions {
  tables?: string[];
  baseBackup?: string;
  walArchive?: string;
  now?: number;
}

/** The context the checks read, and how to close what it opened. */
export interface Subject {
  context: DoctorContext;
  close(): Promise<void>;
}

/**
 * Opens what is checked: `mysql://` / `mariadb://` (the binlog), `postgres://` (WAL archiving),
 * `rds:INSTANCE` / `rds-cluster:CLUSTER` (automated backups, through the AWS API), or nothing but
 * `--base-backup` / `--wal-archive` directories.
 */
export async function openSubject(url: string | undefined, options: SubjectOptions): Promise<Subject> {
  const base = baseContext(url, options);
  if (url === undefined) {
    if (!base.baseBackup && !base.walArchive) {
      throw new RowbackError('usage', 'rowback doctor needs something to check.', {
        hint: 'Give a server (mysql://…, postgres://…, rds:INSTANCE), or --base-backup DIR and --wal-archive DIR.',
      });
    }
    return { context: { ...base, label: 'backup directories', engine: 'files' }, close: async () => {} };
  }
  registerUrlSecrets(url);
  if (/^(mysql|mariadb):/i.test(url)) return openMysql(url, base);
  if (/^postgres(ql)?:/i.test(url)) return openPostgres(url, base);
  const rds = /^(rds|rds-cluster):(.+)$/i.exec(url);
  if (rds) return openRds(rds[1]!.toLowerCase() === 'rds' ? 'instance' : 'cluster', rds[2]!, base);
  throw new RowbackError('unsupported', `rowback doctor cannot check ${redactUrl(url)}.`, {
    hint: 'Give a mysql://, mariadb:// or postgres:// URL, rds:INSTANCE or rds-cluster:CLUSTER.',
  });
}

function baseContext(url: string | undefined, options: SubjectOptions): DoctorContext {
  return {
    label: url ? redactUrl(url) : '',
    url: url ?? '',
    engine: 'files',
    mariadb: false,
    database: undefined,
    tables: options.tables,
    query: async () => {
      throw new Error('no server to query');
    },
    variables: new Map(),
    rdsConfiguration: undefined,
    rds: undefined,
    baseBackup: options.baseBackup === undefined ? undefined : resolve(options.baseBackup),
    walArchive: options.walArchive === undefined ? undefined : resolve(options.walArchive),
    now: options.now ?? Date.now(),
    results: new Map(),
    facts: {},
  };
}

async function openMysql(url: string, base: DoctorContext): Promise<Subject> {
  // Loaded here: the binlog replica client pulls in the MySQL driver, which other commands never need.
  const { ReplicaConnection } = await import('../sources/binlog/replica.js');
  const connection = await ReplicaConnection.open(url);
  try {
    const variables = new Map<string, string>();
    for (const [name, value] of await connection.query('SHOW GLOBAL VARIABLES')) {
      variables.set(name!.toLowerCase(), value ?? '');
    }
    const database =
      decodeURIComponent(new URL(url.replace(/^mariadb:/i, 'mysql:')).pathname.slice(1)) || undefined;
    const context: DoctorContext = {
      ...base,
      engine: 'mysql',
      mariadb: connection.mariadb,
      database,
      query: (sql, values) => connection.query(sql, values),
      variables,
      rdsConfiguration: await rdsConfiguration(connection),
    };
    return { context, close: async () => connection.close() };
  } catch (error) {
    connection.close();
    throw error;
  }
}

/** Amazon RDS for MySQL/MariaDB keeps its own settings, read with a procedure only RDS has. */
async function rdsConfiguration(
  connection: ReplicaConnection,
): Promise<Map<string, string | null> | undefined> {
  let rows: (string | null)[][];
  try {
    rows = await connection.query('CALL mysql.rds_show_configuration');
  } catch {
    return undefined;
  }
  return new Map(rows.map((row) => [row[0] ?? '', row[1] ?? null]));
}

async function openPostgres(url: string, base: DoctorContext): Promise<Subject> {
  const connection = await connect(url);
  try {
    const query = async (sql: string) => (await connection.query(sql)).rows;
    const variables = new Map<string, string>();
    for (const [name, value] of await query('SELECT name, setting FROM pg_settings')) {
      variables.set(name!.toLowerCase(), value ?? '');
    }
    const context: DoctorContext = { ...base, engine: 'postgres', query, variables };
    return { context, close: () => connection.close() };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

async function openRds(kind: 'instance' | 'cluster', id: string, base: DoctorContext): Promise<Subject> {
  // Loaded here: the AWS SDK costs seconds and 100+ MB at start-up, which every other command would pay.
  const { awsClients, closeClients } = await import('../sources/rds/clients.js');
  const { describeSource } = await import('../sources/rds/describe.js');
  const aws = await awsClients();
  try {
    const rds = await describeSource(aws, kind, id);
    const name = `${kind === 'instance' ? 'rds' : 'rds-cluster'}:${id}`;
    return {
      context: { ...base, label: `${name} (${rds.engine}, ${aws.region})`, engine: 'rds', rds },
      close: async () => {},
    };
  } finally {
    closeClients(aws);
  }
}
