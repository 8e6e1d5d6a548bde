// Google Artifact Registry / GCR credentials: an OAuth access token, sent as the password of user
// "oauth2accesstoken". With Workload Identity Federation, Ferry's own token is exchanged at Google's
// STS (RFC 8693 token exchange) and, when a service account is named, that federated token asks IAM
// Credentials for the account's access token; with a service-account key, a JWT-bearer grant signed
// with the key (jose) gets the token.

import { importPKCS8, SignJWT } from 'jose';
import type { GoogleAuth } from '../../../config/clouds.js';
import type { Deps } from '../../../deps.js';
import { AppError } from '../../../errors.js';
import { mintToken } from '../../../identity.js';
import { formBody, postForJson } from './calls.js';
import type { IssuedCredentials } from './calls.js';

const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const USERNAME = 'oauth2accesstoken';

export async function googleCredentials(
  deps: Deps,
  registryKey: string,
  google: GoogleAuth,
): Promise<IssuedCredentials> {
  const now = deps.now();
  if (google.key) {
    const step = 'Google OAuth JWT-bearer grant';
    const key = await importPKCS8(google.key.privateKey, 'RS256').catch(() => {
      throw new AppError(
        'INVALID_CONFIG',
        `${registryKey}: credentials.google.serviceAccountKey: its private_key does not load as an RSA key`,
      );
    });
    const seconds = Math.floor(now / 1000);
    const assertion = await new SignJWT({ scope: SCOPE })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(google.key.clientEmail)
      .setSubject(google.key.clientEmail)
      .setAudience(google.endpoints.oauth2)
      .setIssuedAt(seconds)
      .setExpirationTime(seconds + 3600)
      .sign(key);
    const answer = await postForJson(
      deps,
      step,
      registryKey,
      google.endpoints.oauth2,
      formBody({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
    );
    return issued(
      registryKey,
      step,
      answer.access_token,
      typeof answer.expires_in === 'number' ? now + answer.expires_in * 1000 : undefined,
    );
  }
  const step = 'Google STS token exchange';
  const subjectToken = await mintToken(deps.config.identity!, registryKey, google.audience, now);
  const exchanged = await postForJson(
    deps,
    step,
    registryKey,
    google.endpoints.sts,
    formBody({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      audience: `//iam.googleapis.com/${google.workloadIdentityProvider!}`,
      scope: SCOPE,
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      subject_token: subjectToken,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    }),
  );
  if (!google.serviceAccount)
    return issued(
      registryKey,
      step,
      exchanged.access_token,
      typeof exchanged.expires_in === 'number' ? now + exchanged.expires_in * 1000 : undefined,
    );
  const impersonation = 'Google IAM Credentials generateAccessToken';
  if (typeof exchanged.access_token !== 'string')
    throw new AppError('UPSTREAM_PROTOCOL', `${registryKey}: ${step} answered without a token`);
  const url = new URL(
    `projects/-/serviceAccounts/${encodeURIComponent(google.serviceAccount)}:generateAccessToken`,
    google.endpoints.iamCredentials,
  );
  const answer = await postForJson(deps, impersonation, registryKey, url.toString(), {
    headers: { authorization: `Bearer ${exchanged.access_token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ scope: [SCOPE], lifetime: '3600s' }),
  });
  return issued(
    registryKey,
    impersonation,
    answer.accessToken,
    typeof answer.expireTime === 'string' ? Date.parse(answer.expireTime) : undefined,
  );
}

function issued(registryKey: string, step: string, token: unknown, expiresAt: number | undefined): IssuedCredentials {
  if (typeof token !== 'string' || !token || expiresAt === undefined || Number.isNaN(expiresAt))
    throw new AppError('UPSTREAM_PROTOCOL', `${registryKey}: ${step} answered without a token and its lifetime`);
  return { credentials: { username: USERNAME, password: token }, expiresAt };
}
