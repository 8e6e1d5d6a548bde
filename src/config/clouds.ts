// Registry credentials a cloud hands out for a while (ECR, Artifact Registry, ACR, a GitHub App): each
// cloud's schema, what Ferry keeps of it, and how one becomes the other.

import { z } from 'zod';
import type { ConfigProblems } from './problems.js';
import { HttpUrl, SecretValueSchema } from './values.js';

/**
 * Amazon ECR: registry passwords are 12-hour tokens from ECR's GetAuthorizationToken, called with AWS
 * keys: temporary ones from STS for Ferry's own OIDC token (roleArn: no stored secret), or static keys.
 */
const AwsSchema = z
  .strictObject({
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region such as "us-east-1"'),
    /** The role Ferry assumes with its own token (AssumeRoleWithWebIdentity). */
    roleArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'expected "arn:aws:iam::<account>:role/<name>"')
      .optional(),
    /** The audience the role's trust policy expects (default "sts.amazonaws.com"). */
    audience: z.string().min(1).optional(),
    sessionName: z
      .string()
      .regex(/^[\w+=,.@-]{2,64}$/, 'expected 2-64 of A-Z a-z 0-9 _ + = , . @ -')
      .optional(),
    /** Static keys: the fallback where no federation is set up. */
    accessKeyId: SecretValueSchema.optional(),
    secretAccessKey: SecretValueSchema.optional(),
    sessionToken: SecretValueSchema.optional(),
    /** ECR Public (public.ecr.aws: its own API, in us-east-1); default: whether the host is public.ecr.aws. */
    public: z.boolean().optional(),
    /** Create a repository that does not exist yet (ECR's CreateRepository) before pushing to it; audited. */
    createRepositories: z.boolean().optional(),
    /** Where STS and ECR are answered, for tests and private clouds: only in the static configuration. */
    endpoints: z.strictObject({ sts: HttpUrl.optional(), ecr: HttpUrl.optional() }).optional(),
  })
  .refine(
    (a) => (a.roleArn !== undefined) !== (a.accessKeyId !== undefined || a.secretAccessKey !== undefined),
    'give roleArn (federation) or accessKeyId and secretAccessKey, not both',
  )
  .refine(
    (a) => (a.accessKeyId === undefined) === (a.secretAccessKey === undefined),
    'accessKeyId and secretAccessKey go together',
  );

/**
 * Google Artifact Registry / GCR: an OAuth access token (user "oauth2accesstoken"), from Workload
 * Identity Federation with Ferry's own token (no stored secret), or from a service-account key.
 */
const GoogleSchema = z
  .strictObject({
    /** "projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>". */
    workloadIdentityProvider: z
      .string()
      .regex(
        /^projects\/\d+\/locations\/global\/workloadIdentityPools\/[a-z0-9-]{4,32}\/providers\/[a-z0-9-]{4,32}$/,
        'expected "projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>"',
      )
      .optional(),
    /** The service account to impersonate with the federated token (its e-mail). */
    serviceAccount: z
      .string()
      .regex(
        /^[^@\s]+@[^@\s]+\.iam\.gserviceaccount\.com$/,
        'expected a service account e-mail (…@….iam.gserviceaccount.com)',
      )
      .optional(),
    /** The audience the provider expects (default: https://iam.googleapis.com/<provider>). */
    audience: z.string().min(1).optional(),
    /** A service-account key (its JSON file): the fallback where no federation is set up. */
    serviceAccountKey: SecretValueSchema.optional(),
    endpoints: z
      .strictObject({ sts: HttpUrl.optional(), iamCredentials: HttpUrl.optional(), oauth2: HttpUrl.optional() })
      .optional(),
  })
  .refine(
    (g) => (g.workloadIdentityProvider !== undefined) !== (g.serviceAccountKey !== undefined),
    'give workloadIdentityProvider (federation) or serviceAccountKey, not both',
  );

/**
 * Azure Container Registry: an Entra ID access token (for Ferry's own token through a federated
 * credential, or with a client secret) exchanged at the registry's /oauth2/exchange for ACR's refresh
 * token, which the registry's token endpoint then trades for scoped access tokens.
 */
const AzureSchema = z.strictObject({
  tenantId: z.string().regex(/^[0-9a-f-]{36}$|^[a-z0-9.-]+$/i, 'expected the Entra tenant id'),
  /** The app registration (or managed identity) client id. */
  clientId: z.string().min(1),
  /** The fallback where no federated credential is set up. */
  clientSecret: SecretValueSchema.optional(),
  /** The audience the federated credential expects (default "api://AzureADTokenExchange"). */
  audience: z.string().min(1).optional(),
  endpoints: z.strictObject({ entra: HttpUrl.optional(), acrExchange: HttpUrl.optional() }).optional(),
});

/**
 * GHCR with a GitHub App (experimental: public reports disagree on whether ghcr.io takes installation
 * tokens for pulls): the App's key signs a JWT that GitHub trades for an installation token (an hour).
 */
const GithubAppSchema = z.strictObject({
  /** The App's id (digits) or client id ("Iv1.…"): the JWT's issuer. */
  appId: z
    .string()
    .regex(/^\d{1,20}$|^Iv[0-9A-Za-z.]{3,40}$/, 'expected the App id (digits) or its client id ("Iv1.…")'),
  installationId: z.string().regex(/^\d{1,20}$/, 'expected the installation id (digits)'),
  /** The App's private key as GitHub gives it (PEM, PKCS #1 or #8). */
  privateKey: SecretValueSchema,
  /** GitHub's REST API (GitHub Enterprise Server: https://<host>/api/v3/): only in the static configuration. */
  endpoints: z.strictObject({ api: HttpUrl.optional() }).optional(),
});

export type CloudAuth = AwsAuth | GoogleAuth | AzureAuth | GithubAppAuth;

export interface GithubAppAuth {
  kind: 'github-app';
  appId: string;
  installationId: string;
  /** PEM as GitHub gives it (PKCS #1) or PKCS #8. */
  privateKey: string;
  endpoints: { api: string };
}

export interface AzureAuth {
  kind: 'azure';
  tenantId: string;
  clientId: string;
  /** Absent: federation with Ferry's own token (client assertion). */
  clientSecret?: string;
  audience: string;
  endpoints: { entra: string; acrExchange: string };
}

export interface GoogleAuth {
  kind: 'google';
  /** Federation: Ferry's token exchanged at Google's STS (and, with serviceAccount, impersonation). */
  workloadIdentityProvider?: string;
  serviceAccount?: string;
  audience: string;
  /** A service-account key instead: its e-mail and PEM key (the JWT-bearer grant). */
  key?: { clientEmail: string; privateKey: string };
  endpoints: { sts: string; iamCredentials: string; oauth2: string };
}

export interface AwsAuth {
  kind: 'aws';
  region: string;
  /** Federation: Ferry's token for this entry, exchanged at STS for this role's temporary keys. */
  roleArn?: string;
  audience: string;
  sessionName: string;
  /** Static keys instead of federation. */
  keys?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** ECR Public's API (public.ecr.aws) rather than a private registry's. */
  public: boolean;
  /** CreateRepository before pushing to a repository that does not exist. */
  createRepositories: boolean;
  endpoints: { sts: string; ecr: string };
}

type GoogleDocument = z.infer<typeof GoogleSchema>;
type GithubAppDocument = z.infer<typeof GithubAppSchema>;
type AzureDocument = z.infer<typeof AzureSchema>;
type AwsDocument = z.infer<typeof AwsSchema>;

/** The schemas of the clouds a registry entry's `credentials` may name, by their key there. */
export const CLOUD_CREDENTIALS = {
  aws: AwsSchema,
  google: GoogleSchema,
  azure: AzureSchema,
  githubApp: GithubAppSchema,
};

export type CloudDocuments = { [K in keyof typeof CLOUD_CREDENTIALS]?: z.infer<(typeof CLOUD_CREDENTIALS)[K]> };

/** The cloud a registry entry's credentials name, if any (`host` normalised). */
export function buildCloud(
  raw: CloudDocuments | undefined,
  host: string,
  where: string,
  insecure: boolean,
  problems: ConfigProblems,
): CloudAuth | undefined {
  return raw?.aws
    ? buildAws(raw.aws, host, `${where}.credentials.aws`, insecure, problems)
    : raw?.google
      ? buildGoogle(raw.google, `${where}.credentials.google`, insecure, problems)
      : raw?.azure
        ? buildAzure(raw.azure, host, `${where}.credentials.azure`, insecure, problems)
        : raw?.githubApp
          ? buildGithubApp(raw.githubApp, `${where}.credentials.githubApp`, insecure, problems)
          : undefined;
}

function checkEndpoints(
  endpoints: Record<string, string>,
  where: string,
  insecure: boolean,
  problems: ConfigProblems,
): void {
  for (const [name, url] of Object.entries(endpoints)) {
    if (new URL(url).protocol !== 'https:' && !insecure)
      problems.add(`${where}.endpoints.${name}`, 'expected https (plain http only for a registry marked insecure)');
  }
}

function buildGoogle(google: GoogleDocument, where: string, insecure: boolean, problems: ConfigProblems): GoogleAuth {
  const endpoints = {
    sts: google.endpoints?.sts ?? 'https://sts.googleapis.com/v1/token',
    iamCredentials: google.endpoints?.iamCredentials ?? 'https://iamcredentials.googleapis.com/v1/',
    oauth2: google.endpoints?.oauth2 ?? 'https://oauth2.googleapis.com/token',
  };
  checkEndpoints(endpoints, where, insecure, problems);
  let key: GoogleAuth['key'];
  if (google.serviceAccountKey !== undefined) {
    const text = problems.secret(`${where}.serviceAccountKey`, google.serviceAccountKey);
    try {
      const parsed = text ? (JSON.parse(text) as { client_email?: unknown; private_key?: unknown }) : {};
      if (text && (typeof parsed.client_email !== 'string' || typeof parsed.private_key !== 'string'))
        throw new Error('fields');
      if (text) key = { clientEmail: parsed.client_email as string, privateKey: parsed.private_key as string };
    } catch {
      problems.add(
        `${where}.serviceAccountKey`,
        'expected a service-account key file (JSON with client_email and private_key)',
      );
    }
  }
  return {
    kind: 'google',
    ...(google.workloadIdentityProvider ? { workloadIdentityProvider: google.workloadIdentityProvider } : {}),
    ...(google.serviceAccount ? { serviceAccount: google.serviceAccount } : {}),
    audience: google.audience ?? `https://iam.googleapis.com/${google.workloadIdentityProvider ?? ''}`,
    ...(key ? { key } : {}),
    endpoints,
  };
}

function buildGithubApp(
  app: GithubAppDocument,
  where: string,
  insecure: boolean,
  problems: ConfigProblems,
): GithubAppAuth {
  const endpoints = { api: app.endpoints?.api ?? 'https://api.github.com/' };
  checkEndpoints(endpoints, where, insecure, problems);
  const privateKey = problems.secret(`${where}.privateKey`, app.privateKey);
  if (privateKey && !/-----BEGIN (RSA )?PRIVATE KEY-----/.test(privateKey))
    problems.add(`${where}.privateKey`, "expected the App's private key (PEM, as GitHub gives it)");
  return { kind: 'github-app', appId: app.appId, installationId: app.installationId, privateKey, endpoints };
}

function buildAzure(
  azure: AzureDocument,
  host: string,
  where: string,
  insecure: boolean,
  problems: ConfigProblems,
): AzureAuth {
  const endpoints = {
    entra: azure.endpoints?.entra ?? 'https://login.microsoftonline.com/',
    acrExchange: azure.endpoints?.acrExchange ?? `https://${host}/oauth2/exchange`,
  };
  checkEndpoints(endpoints, where, insecure, problems);
  return {
    kind: 'azure',
    tenantId: azure.tenantId,
    clientId: azure.clientId,
    ...(azure.clientSecret !== undefined
      ? { clientSecret: problems.secret(`${where}.clientSecret`, azure.clientSecret) }
      : {}),
    audience: azure.audience ?? 'api://AzureADTokenExchange',
    endpoints,
  };
}

function buildAws(aws: AwsDocument, host: string, where: string, insecure: boolean, problems: ConfigProblems): AwsAuth {
  const isPublic = aws.public ?? host === 'public.ecr.aws';
  // ECR Public's API lives in us-east-1 only, whatever region the entry names for STS.
  const ecr = isPublic
    ? 'https://api.ecr-public.us-east-1.amazonaws.com/'
    : `https://api.ecr.${aws.region}.amazonaws.com/`;
  const endpoints = {
    sts: aws.endpoints?.sts ?? `https://sts.${aws.region}.amazonaws.com/`,
    ecr: aws.endpoints?.ecr ?? ecr,
  };
  checkEndpoints(endpoints, where, insecure, problems);
  const keys =
    aws.accessKeyId !== undefined && aws.secretAccessKey !== undefined
      ? {
          accessKeyId: problems.secret(`${where}.accessKeyId`, aws.accessKeyId),
          secretAccessKey: problems.secret(`${where}.secretAccessKey`, aws.secretAccessKey),
          ...(aws.sessionToken !== undefined
            ? { sessionToken: problems.secret(`${where}.sessionToken`, aws.sessionToken) }
            : {}),
        }
      : undefined;
  return {
    kind: 'aws',
    region: aws.region,
    ...(aws.roleArn ? { roleArn: aws.roleArn } : {}),
    audience: aws.audience ?? 'sts.amazonaws.com',
    sessionName: aws.sessionName ?? 'ferry',
    ...(keys ? { keys } : {}),
    public: isPublic,
    createRepositories: aws.createRepositories === true,
    endpoints,
  };
}
