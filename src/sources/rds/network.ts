import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP, Socket } from 'node:net';
import { AuthorizeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { RowbackError } from '../../core/errors.js';
import type { CreateContext } from '../instance/lifecycle.js';
import type { Run } from '../instance/run.js';
import { sleep } from '../instance/wait.js';
import { type Aws, awsError, faultCode } from './clients.js';
import { RUN_TAG } from './restore.js';

/** True when a TCP connection to address:port opens within `timeoutMs`. */
export function reachable(address: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    // A firewall that resets after accepting (a proxy) is as closed as one that refuses.
    socket.once('connect', () => {
      socket.once('close', () => resolve(false));
      socket.once('data', () => done(true));
      setTimeout(() => done(!socket.destroyed), Math.min(500, timeoutMs));
    });
    socket.connect(port, address);
  });
}

const PRIVATE = /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.|127\.)/;

/**
 * The caller's address as the instance sees it: the local address the routing table picks for the
 * endpoint (inside the VPC, or on loopback), or, for a public instance reached through NAT, the public
 * address AWS reports (checkip.amazonaws.com). `ROWBACK_CALLER_CIDR` overrides both.
 */
export async function callerCidr(address: string, port: number): Promise<string> {
  const given = process.env['ROWBACK_CALLER_CIDR'];
  if (given) return given;
  const ip = isIP(address) ? address : (await lookup(address)).address;
  const local = await localAddressFor(ip, port);
  if (PRIVATE.test(local) && !PRIVATE.test(ip)) {
    const response = await fetch('https://checkip.amazonaws.com/', { signal: AbortSignal.timeout(10_000) });
    const text = (await response.text()).trim();
    if (isIP(text) === 4) return `${text}/32`;
  }
  return isIP(local) === 6 ? `${local}/128` : `${local}/32`;
}

/** A connected UDP socket sends nothing but asks the kernel which source address it would use. */
function localAddressFor(ip: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIP(ip) === 6 ? 'udp6' : 'udp4');
    socket.once('error', (error) => {
      socket.close();
      reject(error);
    });
    socket.connect(port, ip, () => {
      const { address } = socket.address();
      socket.close();
      resolve(address);
    });
  });
}

/**
 * Makes the instance reachable from here: when a connection does not open, allows the caller's address
 * (only it, only the instance's port) in the instance's first security group, recorded in the run so
 * cleanup revokes it; then waits for it to take effect.
 */
export async function ensureReachable(
  aws: Aws,
  run: Run,
  endpoint: { address: string; port: number; groups: string[]; name: string },
  context: CreateContext,
): Promise<void> {
  if (await reachable(endpoint.address, endpoint.port, 5_000)) return;
  const group = endpoint.groups[0];
  if (!group) {
    throw new RowbackError(
      'connection',
      `${endpoint.name} is available but not reachable from here, and has no security group to open.`,
      {
        hint: 'Run rowback from a host inside its VPC.',
      },
    );
  }
  const cidr = await callerCidr(endpoint.address, endpoint.port);
  const rule = {
    IpProtocol: 'tcp',
    FromPort: endpoint.port,
    ToPort: endpoint.port,
    IpRanges: [{ CidrIp: cidr, Description: `rowback ${run.id}` }],
  };
  const record = await run.record({
    type: 'ingress',
    label: `the ingress rule for ${cidr} on port ${endpoint.port} in ${group}`,
    groupId: group,
    region: aws.region,
    cidr,
    port: endpoint.port,
  });
  try {
    await aws.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: group,
        IpPermissions: [rule],
        TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: [{ Key: RUN_TAG, Value: run.id }] }],
      }),
    );
    context.note(`Opened ${group} to ${cidr} on port ${endpoint.port} for this run (revoked at the end).`);
  } catch (error) {
    if (faultCode(error) !== 'InvalidPermission.Duplicate') {
      throw awsError(error, 'ec2:AuthorizeSecurityGroupIngress', `opening ${group} to ${cidr}`);
    }
    // Someone's own rule: not ours to revoke.
    await run.forget(record);
  }
  for (let waited = 0; waited < 120_000; waited += 2_000) {
    if (await reachable(endpoint.address, endpoint.port, 3_000)) return;
    await sleep(2_000, context.signal);
  }
  throw new RowbackError(
    'connection',
    `${endpoint.name} (${endpoint.address}:${endpoint.port}) is still unreachable after allowing ${cidr} in ${group}.`,
    {
      hint: 'A private instance is reachable only from inside its VPC (run rowback there, e.g. on a bastion), or restore it publicly accessible with --public.',
    },
  );
}
