// GHCR credentials from a GitHub App (experimental): a JWT signed with the App's key (RS256, issued a
// minute back for clock drift, ten minutes at most, as GitHub requires) is traded at the REST API for an
// installation token (an hour), sent as the password of "x-access-token".

import { importPKCS8, SignJWT } from 'jose';
import type { GithubAppAuth } from '../../../config/clouds.js';
import type { Deps } from '../../../deps.js';
import { AppError } from '../../../errors.js';
import { concatBytes, fromBase64, pemBlocks, toBase64 } from '../../../encoding.js';
import { encodeTlv } from '../../../signatures/der.js';
import { postForJson } from './calls.js';
import type { IssuedCredentials } from './calls.js';

const USERNAME = 'x-access-token';

// rsaEncryption's AlgorithmIdentifier (1.2.840.113549.1.1.1, NULL parameters) and PKCS #8's version 0.
const RSA_ALGORITHM = fromBase64('MA0GCSqGSIb3DQEBAQUA');
const VERSION_0 = new Uint8Array([0x02, 0x01, 0x00]);

/** GitHub hands out PKCS #1 keys ("BEGIN RSA PRIVATE KEY"); Web Crypto imports PKCS #8: wrapped as such. */
function pkcs8Pem(pem: string): string {
  if (!pem.includes('BEGIN RSA PRIVATE KEY')) return pem;
  const pkcs1 = pemBlocks(pem, 'RSA PRIVATE KEY')[0];
  if (!pkcs1) return pem;
  const info = encodeTlv(0x30, concatBytes(VERSION_0, RSA_ALGORITHM, encodeTlv(0x04, pkcs1)));
  return `-----BEGIN PRIVATE KEY-----\n${toBase64(info).replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
}

export async function githubAppCredentials(
  deps: Deps,
  registryKey: string,
  app: GithubAppAuth,
): Promise<IssuedCredentials> {
  const key = await importPKCS8(pkcs8Pem(app.privateKey), 'RS256').catch(() => {
    throw new AppError(
      'INVALID_CONFIG',
      `${registryKey}: credentials.githubApp.privateKey does not load as an RSA key`,
    );
  });
  const seconds = Math.floor(deps.now() / 1000);
  const jwt = await new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setIssuer(app.appId)
    .setIssuedAt(seconds - 60)
    .setExpirationTime(seconds + 540)
    .sign(key);
  const step = 'GitHub App installation token';
  const url = new URL(
    `app/installations/${encodeURIComponent(app.installationId)}/access_tokens`,
    app.endpoints.api.endsWith('/') ? app.endpoints.api : `${app.endpoints.api}/`,
  );
  const answer = await postForJson(deps, step, registryKey, url.toString(), {
    headers: {
      authorization: `Bearer ${jwt}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'user-agent': 'ferry',
    },
    body: '',
  });
  const expiresAt = typeof answer.expires_at === 'string' ? Date.parse(answer.expires_at) : Number.NaN;
  if (typeof answer.token !== 'string' || !answer.token || Number.isNaN(expiresAt))
    throw new AppError('UPSTREAM_PROTOCOL', `${registryKey}: ${step} answered without a token`);
  return { credentials: { username: USERNAME, password: answer.token }, expiresAt };
}
