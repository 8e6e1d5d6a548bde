// Amazon ECR credentials: AWS keys (temporary ones from STS for Ferry's own OIDC token, or static keys),
// then ECR's GetAuthorizationToken, SigV4-signed with aws4fetch (made for Workers and fetch), whose
// answer is the registry's Basic credentials ("AWS" and a 12-hour password).

import { AwsClient } from 'aws4fetch';
import type { AwsAuth } from '../../../config/clouds.js';
import type { Deps } from '../../../deps.js';
import { AppError } from '../../../errors.js';
import { mintToken } from '../../../identity.js';
import { cloudCall, cloudRefusal } from './calls.js';
import type { IssuedCredentials } from './calls.js';

interface AwsKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

// What AWS said when it refused: its error code and message (XML for STS, JSON for ECR).
function refusal(step: string, registryKey: string, status: number, text: string): AppError {
  const code =
    /<Code>([^<]{1,64})<\/Code>/.exec(text)?.[1] ?? /"__type"\s*:\s*"(?:[^"#]*#)?([^"]{1,64})"/.exec(text)?.[1];
  const message =
    /<Message>([^<]{1,300})<\/Message>/.exec(text)?.[1] ?? /"message"\s*:\s*"([^"]{1,300})"/i.exec(text)?.[1] ?? '';
  return cloudRefusal(step, registryKey, status, `${code ?? ''}${message ? `: ${message}` : ''}`);
}

async function assumeRole(deps: Deps, registryKey: string, aws: AwsAuth): Promise<AwsKeys> {
  const identity = deps.config.identity!;
  const token = await mintToken(identity, registryKey, aws.audience, deps.now());
  const form = new URLSearchParams({
    Action: 'AssumeRoleWithWebIdentity',
    Version: '2011-06-15',
    RoleArn: aws.roleArn!,
    RoleSessionName: aws.sessionName,
    WebIdentityToken: token,
    DurationSeconds: '900',
  });
  const step = 'AWS STS AssumeRoleWithWebIdentity';
  const { ok, status, text } = await cloudCall(deps, step, registryKey, aws.endpoints.sts, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/xml' },
    body: form.toString(),
  });
  if (!ok) throw refusal(step, registryKey, status, text);
  const field = (name: string) => {
    const start = text.indexOf(`<${name}>`);
    const end = text.indexOf(`</${name}>`, start);
    return start === -1 || end === -1 ? undefined : text.slice(start + name.length + 2, end) || undefined;
  };
  const [accessKeyId, secretAccessKey, sessionToken] = [
    field('AccessKeyId'),
    field('SecretAccessKey'),
    field('SessionToken'),
  ];
  if (!accessKeyId || !secretAccessKey || !sessionToken)
    throw new AppError('UPSTREAM_PROTOCOL', `${registryKey}: ${step} answered without credentials`);
  return { accessKeyId, secretAccessKey, sessionToken };
}

// ECR (private) and ECR Public speak the same JSON protocol under different names.
const API = {
  private: { service: 'ecr', prefix: 'AmazonEC2ContainerRegistry_V20150921' },
  public: { service: 'ecr-public', prefix: 'SpencerFrontendService' },
};

/** One SigV4-signed call to ECR's API: the answer's status and text. */
async function ecrCall(
  deps: Deps,
  registryKey: string,
  aws: AwsAuth,
  keys: AwsKeys,
  operation: string,
  body: unknown,
): Promise<{ status: number; ok: boolean; text: string }> {
  const api = aws.public ? API.public : API.private;
  const client = new AwsClient({
    ...keys,
    service: api.service,
    region: aws.public ? 'us-east-1' : aws.region,
    retries: 0,
  });
  const signed = await client.sign(aws.endpoints.ecr, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${api.prefix}.${operation}` },
    body: JSON.stringify(body),
  });
  return cloudCall(deps, `AWS ECR ${operation}`, registryKey, signed.url, {
    method: signed.method,
    headers: signed.headers,
    body: await signed.text(),
  });
}

const awsKeys = (deps: Deps, registryKey: string, aws: AwsAuth) =>
  aws.keys ? Promise.resolve(aws.keys) : assumeRole(deps, registryKey, aws);

/** ECR's registry credentials for this entry, with when they stop working. */
export async function ecrCredentials(deps: Deps, registryKey: string, aws: AwsAuth): Promise<IssuedCredentials> {
  const step = `AWS ${aws.public ? 'ECR Public' : 'ECR'} GetAuthorizationToken`;
  const response = await ecrCall(
    deps,
    registryKey,
    aws,
    await awsKeys(deps, registryKey, aws),
    'GetAuthorizationToken',
    {},
  );
  if (!response.ok) throw refusal(step, registryKey, response.status, response.text);
  let data: { authorizationToken?: string; expiresAt?: number } | undefined;
  try {
    // Private ECR answers a list (one per registry id); ECR Public one object.
    const parsed = (JSON.parse(response.text) as { authorizationData?: unknown }).authorizationData;
    data = (Array.isArray(parsed) ? parsed[0] : parsed) as typeof data;
  } catch {
    data = undefined;
  }
  const decoded = typeof data?.authorizationToken === 'string' ? atob(data.authorizationToken) : '';
  const colon = decoded.indexOf(':');
  if (colon < 1 || typeof data?.expiresAt !== 'number')
    throw new AppError('UPSTREAM_PROTOCOL', `${registryKey}: ${step} answered without a token`);
  return {
    credentials: { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) },
    expiresAt: data.expiresAt * 1000,
  };
}

/** Creates a repository: 'created', or 'exists' when it was there already. */
export async function createEcrRepository(
  deps: Deps,
  registryKey: string,
  aws: AwsAuth,
  repository: string,
): Promise<'created' | 'exists'> {
  const step = `AWS ${aws.public ? 'ECR Public' : 'ECR'} CreateRepository`;
  const response = await ecrCall(deps, registryKey, aws, await awsKeys(deps, registryKey, aws), 'CreateRepository', {
    repositoryName: repository,
  });
  if (response.ok) return 'created';
  if (response.status === 400 && /RepositoryAlreadyExistsException/.test(response.text)) return 'exists';
  throw refusal(step, registryKey, response.status, response.text);
}
