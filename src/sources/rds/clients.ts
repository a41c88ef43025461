import { EC2Client } from '@aws-sdk/client-ec2';
import { RDSClient } from '@aws-sdk/client-rds';
import { RowbackError } from '../../core/errors.js';

/**
 * AWS clients with the standard configuration: region and credentials from the environment, the shared
 * config and credentials files (profiles, SSO, credential_process, web identity), then instance metadata;
 * endpoints from AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_RDS and AWS_ENDPOINT_URL_EC2. rowback sets none of it.
 */
export interface Aws {
  rds: RDSClient;
  ec2: EC2Client;
  region: string;
}

export async function awsClients(region?: string): Promise<Aws> {
  // The SDK warns on Node 20 about its own releases from 2027 on; rowback's lockfile pins one that runs.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const rds = new RDSClient(region ? { region } : {});
  let resolved: string;
  try {
    resolved = await rds.config.region();
  } catch (error) {
    rds.destroy();
    throw new RowbackError('usage', 'No AWS region is configured.', {
      cause: error,
      hint: 'Set AWS_REGION (or a region in the AWS_PROFILE profile of ~/.aws/config), the region the instance is in.',
    });
  }
  return { rds, ec2: new EC2Client({ region: resolved }), region: resolved };
}

export function closeClients(aws: Aws): void {
  aws.rds.destroy();
  aws.ec2.destroy();
}

interface AwsFault {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The service's error code (`DBInstanceNotFound`, `Throttling`, `UnauthorizedOperation`), if any. */
export function faultCode(error: unknown): string {
  const e = error as AwsFault;
  return e?.Code ?? e?.name ?? '';
}

const DENIED = /^(AccessDenied|AccessDeniedException|UnauthorizedOperation|UnauthorizedAccess|AuthFailure)$/;
const THROTTLED = /^(Throttling|ThrottlingException|RequestLimitExceeded|TooManyRequestsException)$/;
const NO_CREDENTIALS =
  /CredentialsProviderError|Could not load credentials|ExpiredToken|InvalidClientTokenId|SignatureDoesNotMatch/;

/**
 * An AWS failure in the user's terms, naming the action that failed (`rds:RestoreDBInstanceToPointInTime`)
 * so a missing IAM permission can be granted exactly.
 */
export function awsError(error: unknown, action: string, doing: string): RowbackError {
  if (error instanceof RowbackError) return error;
  const code = faultCode(error);
  const message = (error as AwsFault)?.message ?? String(error);
  if (DENIED.test(code)) {
    return new RowbackError('privilege', `AWS denied ${action} while ${doing}: ${message}`, {
      cause: error,
      hint: `Allow ${action} for these credentials (an IAM policy statement), or use a profile that has it (AWS_PROFILE).`,
    });
  }
  if (THROTTLED.test(code)) {
    return new RowbackError(
      'connection',
      `AWS throttled ${action} while ${doing}, and it kept failing after retries: ${message}`,
      {
        cause: error,
        hint: 'Wait a minute and run again, or raise AWS_MAX_ATTEMPTS; other tools may be using the same account’s API rate.',
      },
    );
  }
  if (NO_CREDENTIALS.test(code) || NO_CREDENTIALS.test(message)) {
    return new RowbackError('connection', `No usable AWS credentials for ${action}: ${message}`, {
      cause: error,
      hint: 'Set AWS_PROFILE (and run aws sso login for SSO profiles), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.',
    });
  }
  return new RowbackError(
    'connection',
    `AWS ${action} failed while ${doing}: ${code ? `${code}: ` : ''}${message}`,
    {
      cause: error,
    },
  );
}
