import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer, Socket, type Server as TcpServer } from 'node:net';

/**
 * A stand-in for the RDS and EC2 Query APIs on loopback, for the real AWS SDK to talk to (through
 * AWS_ENDPOINT_URL_RDS / AWS_ENDPOINT_URL_EC2): form-encoded requests in, the Query protocol's XML out,
 * errors in the shapes the SDK turns into its named exceptions. Its "restored instance" is a real local
 * server the test prepared with the data as of T; a firewall in front of it opens only for ingress rules.
 */

export interface FakeInstance {
  id: string;
  instanceClass: string;
  engine: string;
  status: string;
  /** Where clients connect (the firewall's port when firewalled). */
  endpoint?: { address: string; port: number };
  securityGroups: string[];
  subnetGroup: string;
  retentionDays: number;
  earliest?: Date;
  latest?: Date;
  tags: Record<string, string>;
  cluster?: string;
  /** Describe calls left before a creating instance reaches `fate`. */
  pollsLeft: number;
  fate: string;
  /** The request that created it, and the one that deleted it. */
  created?: Record<string, string>;
  deleted?: Record<string, string>;
}

export interface FakeCluster {
  id: string;
  engine: string;
  status: string;
  port: number;
  endpoint?: string;
  securityGroups: string[];
  subnetGroup: string;
  retentionDays: number;
  earliest?: Date;
  latest?: Date;
  members: string[];
  tags: Record<string, string>;
  pollsLeft: number;
  created?: Record<string, string>;
  deleted?: Record<string, string>;
}

export interface Rule {
  groupId: string;
  cidr: string;
  port: number;
}

export interface Call {
  service: 'rds' | 'ec2';
  action: string;
  params: Record<string, string>;
  accessKey: string;
}

interface Failure {
  code: string;
  message: string;
  status: number;
  times: number;
}

/** What a restore creates: a real server holding the data as of T (or the firewall in front of it). */
export interface RestoredTarget {
  address: string;
  port: number;
  /** Describe calls before it is available (default 2), and what it becomes then (default available). */
  polls?: number;
  fate?: string;
}

export class StandIn {
  readonly instances = new Map<string, FakeInstance>();
  readonly clusters = new Map<string, FakeCluster>();
  readonly rules: Rule[] = [];
  readonly calls: Call[] = [];
  /** Every instance that ever existed, kept after deletion for assertions. */
  readonly history: FakeInstance[] = [];
  readonly clusterHistory: FakeCluster[] = [];
  private readonly failures = new Map<string, Failure[]>();
  private readonly firewalls: TcpServer[] = [];
  private server!: Server;
  url = '';
  /** Decides where a restored instance leads; set by the test. */
  restoreTo: RestoredTarget = { address: '127.0.0.1', port: 1 };

  async start(): Promise<void> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
    for (const firewall of this.firewalls) firewall.close();
  }

  /** The next `times` calls of `action` fail with this error. */
  fail(action: string, code: string, message: string, status = 400, times = 1): void {
    const list = this.failures.get(action) ?? [];
    list.push({ code, message, status, times });
    this.failures.set(action, list);
  }

  actions(): string[] {
    return this.calls.map((c) => c.action);
  }

  addSource(instance: Partial<FakeInstance> & { id: string }): void {
    this.instances.set(instance.id, {
      instanceClass: 'db.r6g.large',
      engine: 'postgres',
      status: 'available',
      endpoint: { address: 'prod.abcdefgh.eu-west-1.rds.amazonaws.com', port: 5432 },
      securityGroups: ['sg-0a1b2c3d'],
      subnetGroup: 'prod-subnets',
      retentionDays: 7,
      tags: {},
      pollsLeft: 0,
      fate: 'available',
      ...instance,
    });
  }

  addCluster(cluster: Partial<FakeCluster> & { id: string }): void {
    this.clusters.set(cluster.id, {
      engine: 'aurora-postgresql',
      status: 'available',
      port: 5432,
      securityGroups: ['sg-0c1u5t3r'],
      subnetGroup: 'aurora-subnets',
      retentionDays: 7,
      members: [],
      tags: {},
      pollsLeft: 0,
      ...cluster,
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    const auth = String(request.headers.authorization ?? '');
    const service = /\/(rds|ec2)\/aws4_request/.exec(auth)?.[1] as 'rds' | 'ec2' | undefined;
    const accessKey = /Credential=([^/]+)\//.exec(auth)?.[1] ?? '';
    const action = params['Action'] ?? '';
    this.calls.push({ service: service ?? 'rds', action, params, accessKey });
    const failure = this.failures.get(action)?.[0];
    if (failure) {
      failure.times--;
      if (failure.times <= 0) this.failures.get(action)?.shift();
      this.sendError(response, service, failure.code, failure.message, failure.status);
      return;
    }
    try {
      const body = service === 'ec2' ? this.ec2(action, params) : this.rds(action, params);
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.end(body);
    } catch (error) {
      const e = error as { code?: string; message: string; status?: number };
      this.sendError(response, service, e.code ?? 'InternalFailure', e.message, e.status ?? 500);
    }
  }

  private sendError(
    response: ServerResponse,
    service: string | undefined,
    code: string,
    message: string,
    status: number,
  ): void {
    const id = randomUUID();
    const body =
      service === 'ec2'
        ? `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${xml(message)}</Message></Error></Errors><RequestID>${id}</RequestID></Response>`
        : `<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xml(message)}</Message></Error><RequestId>${id}</RequestId></ErrorResponse>`;
    response.writeHead(status, { 'content-type': 'text/xml' });
    response.end(body);
  }

  private rds(action: string, p: Record<string, string>): string {
    switch (action) {
      case 'DescribeDBInstances': {
        const instance = this.instances.get(p['DBInstanceIdentifier'] ?? '');
        if (!instance)
          throw fault('DBInstanceNotFound', `DBInstance ${p['DBInstanceIdentifier']} not found.`, 404);
        this.advance(instance);
        return rdsResponse(action, `<DBInstances>${instanceXml(instance)}</DBInstances>`);
      }
      case 'DescribeDBInstanceAutomatedBackups': {
        const instance = this.instances.get(p['DBInstanceIdentifier'] ?? '');
        if (!instance) throw fault('DBInstanceAutomatedBackupNotFound', 'not found', 404);
        const window = `<RestoreWindow>${date('EarliestTime', instance.earliest)}${date('LatestTime', instance.latest)}</RestoreWindow>`;
        return rdsResponse(
          action,
          `<DBInstanceAutomatedBackups><DBInstanceAutomatedBackup><DBInstanceIdentifier>${instance.id}</DBInstanceIdentifier><Status>active</Status>${window}</DBInstanceAutomatedBackup></DBInstanceAutomatedBackups>`,
        );
      }
      case 'RestoreDBInstanceToPointInTime':
        return this.restoreInstance(action, p);
      case 'DeleteDBInstance':
        return this.deleteInstance(action, p);
      case 'DescribeDBClusters': {
        const cluster = this.clusters.get(p['DBClusterIdentifier'] ?? '');
        if (!cluster)
          throw fault('DBClusterNotFoundFault', `DBCluster ${p['DBClusterIdentifier']} not found.`, 404);
        if (cluster.status === 'creating' && --cluster.pollsLeft <= 0) cluster.status = 'available';
        if (cluster.status === 'deleting' && --cluster.pollsLeft <= 0) this.clusters.delete(cluster.id);
        return rdsResponse(action, `<DBClusters>${clusterXml(cluster)}</DBClusters>`);
      }
      case 'RestoreDBClusterToPointInTime':
        return this.restoreCluster(action, p);
      case 'CreateDBInstance':
        return this.createClusterInstance(action, p);
      case 'DeleteDBCluster': {
        const cluster = this.clusters.get(p['DBClusterIdentifier'] ?? '');
        if (!cluster) throw fault('DBClusterNotFoundFault', 'not found', 404);
        if (cluster.members.some((m) => this.instances.has(m))) {
          throw fault(
            'InvalidDBClusterStateFault',
            'Cluster cannot be deleted, it still contains DB instances.',
            400,
          );
        }
        cluster.status = 'deleting';
        cluster.pollsLeft = 2;
        cluster.deleted = p;
        return rdsResponse(action, clusterXml(cluster));
      }
      default:
        throw fault('InvalidAction', `The stand-in does not know ${action}.`, 400);
    }
  }

  /** A creating instance becomes its fate after some describes; a deleting one disappears. */
  private advance(instance: FakeInstance): void {
    if (instance.status === 'creating' && --instance.pollsLeft <= 0) instance.status = instance.fate;
    else if (instance.status === 'deleting' && --instance.pollsLeft <= 0) this.instances.delete(instance.id);
  }

  private restoreInstance(action: string, p: Record<string, string>): string {
    const source = this.instances.get(p['SourceDBInstanceIdentifier'] ?? '');
    if (!source) throw fault('DBInstanceNotFound', 'source not found', 404);
    const id = p['TargetDBInstanceIdentifier'] ?? '';
    if (this.instances.has(id)) throw fault('DBInstanceAlreadyExists', `${id} exists`, 400);
    const instance: FakeInstance = {
      ...source,
      id,
      status: 'creating',
      instanceClass: p['DBInstanceClass'] ?? source.instanceClass,
      securityGroups: listParam(p, 'VpcSecurityGroupIds'),
      subnetGroup: p['DBSubnetGroupName'] ?? '',
      tags: tagParams(p),
      pollsLeft: this.restoreTo.polls ?? 2,
      fate: this.restoreTo.fate ?? 'available',
      endpoint: this.endpointFor(),
      created: p,
    };
    this.instances.set(id, instance);
    this.history.push(instance);
    return rdsResponse(action, instanceXml(instance));
  }

  private deleteInstance(action: string, p: Record<string, string>): string {
    const instance = this.instances.get(p['DBInstanceIdentifier'] ?? '');
    if (!instance) throw fault('DBInstanceNotFound', 'not found', 404);
    if (instance.status === 'creating') {
      throw fault('InvalidDBInstanceState', `Instance ${instance.id} is not in available state.`, 400);
    }
    instance.status = 'deleting';
    instance.pollsLeft = 2;
    instance.deleted = p;
    return rdsResponse(action, instanceXml(instance));
  }

  private restoreCluster(action: string, p: Record<string, string>): string {
    const source = this.clusters.get(p['SourceDBClusterIdentifier'] ?? '');
    if (!source) throw fault('DBClusterNotFoundFault', 'source not found', 404);
    const endpoint = this.endpointFor();
    const cluster: FakeCluster = {
      ...source,
      id: p['DBClusterIdentifier'] ?? '',
      status: 'creating',
      port: endpoint.port,
      endpoint: endpoint.address,
      securityGroups: listParam(p, 'VpcSecurityGroupIds'),
      subnetGroup: p['DBSubnetGroupName'] ?? '',
      members: [],
      tags: tagParams(p),
      pollsLeft: this.restoreTo.polls ?? 2,
      created: p,
    };
    this.clusters.set(cluster.id, cluster);
    this.clusterHistory.push(cluster);
    return rdsResponse(action, clusterXml(cluster));
  }

  private createClusterInstance(action: string, p: Record<string, string>): string {
    const cluster = this.clusters.get(p['DBClusterIdentifier'] ?? '');
    if (!cluster) throw fault('DBClusterNotFoundFault', 'cluster not found', 404);
    const id = p['DBInstanceIdentifier'] ?? '';
    const instance: FakeInstance = {
      id,
      instanceClass: p['DBInstanceClass'] ?? '',
      engine: cluster.engine,
      status: 'creating',
      securityGroups: cluster.securityGroups,
      subnetGroup: cluster.subnetGroup,
      retentionDays: 1,
      tags: tagParams(p),
      cluster: cluster.id,
      pollsLeft: this.restoreTo.polls ?? 2,
      fate: this.restoreTo.fate ?? 'available',
      endpoint: { address: cluster.endpoint ?? '', port: cluster.port },
      created: p,
    };
    cluster.members.push(id);
    this.instances.set(id, instance);
    this.history.push(instance);
    return rdsResponse(action, instanceXml(instance));
  }

  /** Where a restored instance's clients connect: the restored server, or the firewall in front of it. */
  private endpointFor(): { address: string; port: number } {
    return { address: this.restoreTo.address, port: this.restoreTo.port };
  }

  /**
   * A firewall on loopback in front of a real server: it closes every connection until an ingress rule
   * allows 127.0.0.1/32 on its port. Returns its port, to use as a restored instance's port.
   */
  async firewall(address: string, port: number): Promise<number> {
    const firewall = createTcpServer((client) => {
      const own = (firewall.address() as AddressInfo).port;
      if (!this.rules.some((r) => r.port === own && r.cidr === '127.0.0.1/32')) {
        client.destroy();
        return;
      }
      const upstream = new Socket();
      upstream.connect(port, address);
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      for (const side of [client, upstream]) {
        side.on('error', end);
        side.on('close', end);
      }
    });
    await new Promise<void>((resolve) => firewall.listen(0, '127.0.0.1', resolve));
    this.firewalls.push(firewall);
    return (firewall.address() as AddressInfo).port;
  }

  private ec2(action: string, p: Record<string, string>): string {
    const rule = (): Rule => ({
      groupId: p['GroupId'] ?? '',
      cidr: p['IpPermissions.1.IpRanges.1.CidrIp'] ?? '',
      port: Number(p['IpPermissions.1.FromPort']),
    });
    const same = (a: Rule, b: Rule) => a.groupId === b.groupId && a.cidr === b.cidr && a.port === b.port;
    if (action === 'AuthorizeSecurityGroupIngress') {
      const wanted = rule();
      if (this.rules.some((r) => same(r, wanted)))
        throw fault('InvalidPermission.Duplicate', 'the rule already exists', 400);
      this.rules.push(wanted);
      return ec2Response(action, '<return>true</return>');
    }
    if (action === 'RevokeSecurityGroupIngress') {
      const wanted = rule();
      const at = this.rules.findIndex((r) => same(r, wanted));
      if (at < 0) throw fault('InvalidPermission.NotFound', 'no such rule', 400);
      this.rules.splice(at, 1);
      return ec2Response(action, '<return>true</return>');
    }
    throw fault('InvalidAction', `The stand-in does not know ${action}.`, 400);
  }
}

function fault(code: string, message: string, status: number): Error {
  return Object.assign(new Error(message), { code, status });
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function date(name: string, value: Date | undefined): string {
  return value ? `<${name}>${value.toISOString()}</${name}>` : '';
}

function rdsResponse(action: string, inner: string): string {
  return `<${action}Response xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`;
}

function ec2Response(action: string, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${randomUUID()}</requestId>${inner}</${action}Response>`;
}

function tagsXml(tags: Record<string, string>): string {
  return `<TagList>${Object.entries(tags)
    .map(([k, v]) => `<Tag><Key>${xml(k)}</Key><Value>${xml(v)}</Value></Tag>`)
    .join('')}</TagList>`;
}

function instanceXml(i: FakeInstance): string {
  const groups = i.securityGroups
    .map(
      (g) =>
        `<VpcSecurityGroupMembership><VpcSecurityGroupId>${g}</VpcSecurityGroupId><Status>active</Status></VpcSecurityGroupMembership>`,
    )
    .join('');
  const endpoint =
    i.endpoint && i.status !== 'creating'
      ? `<Endpoint><Address>${i.endpoint.address}</Address><Port>${i.endpoint.port}</Port></Endpoint>`
      : '';
  return `<DBInstance><DBInstanceIdentifier>${i.id}</DBInstanceIdentifier><DBInstanceClass>${i.instanceClass}</DBInstanceClass><Engine>${i.engine}</Engine><DBInstanceStatus>${i.status}</DBInstanceStatus>${endpoint}<BackupRetentionPeriod>${i.retentionDays}</BackupRetentionPeriod>${date('LatestRestorableTime', i.latest)}<VpcSecurityGroups>${groups}</VpcSecurityGroups><DBSubnetGroup><DBSubnetGroupName>${i.subnetGroup}</DBSubnetGroupName><VpcId>vpc-1</VpcId></DBSubnetGroup>${i.cluster ? `<DBClusterIdentifier>${i.cluster}</DBClusterIdentifier>` : ''}${tagsXml(i.tags)}</DBInstance>`;
}

function clusterXml(c: FakeCluster): string {
  const groups = c.securityGroups
    .map(
      (g) =>
        `<VpcSecurityGroupMembership><VpcSecurityGroupId>${g}</VpcSecurityGroupId><Status>active</Status></VpcSecurityGroupMembership>`,
    )
    .join('');
  const members = c.members
    .map(
      (m, n) =>
        `<DBClusterMember><DBInstanceIdentifier>${m}</DBInstanceIdentifier><IsClusterWriter>${n === 0}</IsClusterWriter></DBClusterMember>`,
    )
    .join('');
  return `<DBCluster><DBClusterIdentifier>${c.id}</DBClusterIdentifier><Engine>${c.engine}</Engine><Status>${c.status}</Status>${c.endpoint && c.status !== 'creating' ? `<Endpoint>${c.endpoint}</Endpoint>` : ''}<Port>${c.port}</Port><BackupRetentionPeriod>${c.retentionDays}</BackupRetentionPeriod>${date('EarliestRestorableTime', c.earliest)}${date('LatestRestorableTime', c.latest)}<VpcSecurityGroups>${groups}</VpcSecurityGroups><DBSubnetGroup>${c.subnetGroup}</DBSubnetGroup><DBClusterMembers>${members}</DBClusterMembers>${tagsXml(c.tags)}</DBCluster>`;
}

/** `VpcSecurityGroupIds.VpcSecurityGroupId.1=sg-1` (RDS) or `X.1=…` (EC2) → ['sg-1']. */
function listParam(p: Record<string, string>, name: string): string[] {
  return Object.entries(p)
    .filter(([key]) => key.startsWith(`${name}.`))
    .sort(([a], [b]) => Number(a.split('.').at(-1)) - Number(b.split('.').at(-1)))
    .map(([, value]) => value);
}

function tagParams(p: Record<string, string>): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(p)) {
    const m = /^Tags\.(?:Tag\.|member\.)?(\d+)\.Key$/.exec(key);
    if (m) tags[value] = p[key.replace(/Key$/, 'Value')] ?? '';
  }
  return tags;
}
