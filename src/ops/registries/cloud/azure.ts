// Azure Container Registry credentials: an Entra ID access token for the registry's audience (client
// credentials: Ferry's own token as the client assertion of a federated credential, or a client
// secret), exchanged at the registry's /oauth2/exchange for ACR's refresh token. That refresh token is
// the registry's identityToken: its token endpoint trades it for access tokens scoped to each request.

import { decodeJwt } from 'jose';
import type { AzureAuth } from '../../../config/clouds.js';
import type { Deps } from '../../../deps.js';
import { AppError } from '../../../errors.js';
import { mintToken } from '../../../identity.js';
import { formBody, postForJson } from './calls.js';
import type { IssuedCredentials } from './calls.js';

const ACR_SCOPE = 'https://containerregistry.azure.net/.default';

export async function acrCredentials(deps: Deps, registryKey: string, azure: AzureAuth): Promise<IssuedCredentials> {
  const now = deps.now();
  const client: Record<string, string> = azure.clientSecret
    ? { client_secret: azure.clientSecret }
    : {
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await mintToken(deps.config.identity!, registryKey, azure.audience, now),
      };
  const entraStep = 'Entra ID client-credentials token';
  const entra = await postForJson(
    deps,
    entraStep,
    registryKey,
    new URL(`${encodeURIComponent(azure.tenantId)}/oauth2/v2.0/token`, azure.endpoints.entra).toString(),
    formBody({
      client_id: azure.clientId,
      scope: ACR_SCOPE,
      grant_type: 'client_credentials',
      ...client,
    }),
  );
  if (typeof entra.access_token !== 'string')
    throw new AppError('UPSTREAM_PROTOCOL', `${registryKey}: ${entraStep} answered without a token`);
  const exchangeStep = 'ACR /oauth2/exchange';
  const acr = await postForJson(
    deps,
    exchangeStep,
    registryKey,
    azure.endpoints.acrExchange,
    formBody({
      grant_type: 'access_token',
      service: registryKey,
      tenant: azure.tenantId,
      access_token: entra.access_token,
    }),
  );
  if (typeof acr.refresh_token !== 'string' || !acr.refresh_token)
    throw new AppError('UPSTREAM_PROTOCOL', `${registryKey}: ${exchangeStep} answered without a refresh token`);
  // ACR's refresh tokens are JWTs that say when they expire; otherwise the Entra token's life bounds them.
  let expiresAt = typeof entra.expires_in === 'number' ? now + entra.expires_in * 1000 : now + 3600_000;
  try {
    const exp = decodeJwt(acr.refresh_token).exp;
    if (exp) expiresAt = exp * 1000;
  } catch {
    // not a JWT: keep the Entra token's lifetime
  }
  return { credentials: { identityToken: acr.refresh_token }, expiresAt };
}
