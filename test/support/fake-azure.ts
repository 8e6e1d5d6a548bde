// A local stand-in for Entra ID's token endpoint and ACR's /oauth2/exchange, checking what they
// document: a client-credentials grant for the registry scope, authenticated by a client secret or by a
// client assertion (Ferry's token, verified against its issuer's JWKS with the federated credential's
// issuer, audience and subject); then the exchange of that access token (grant_type access_token,
// service, tenant) for ACR's refresh token, which a real token-auth docker-registry's token server
// accepts.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestBody } from './request-body.js';
import { createRemoteJWKSet, jwtVerify } from 'jose';

export interface FakeAzureOptions {
  issuer: string;
  jwksUrl: string;
  tenantId: string;
  clientId: string;
  /** The federated credential's subject. */
  subject: string;
  clientSecret: string;
  /** The registry the exchange is for, and the refresh token it hands out. */
  service: string;
  refreshToken: string;
}

export interface FakeAzure {
  entraUrl: string;
  exchangeUrl: string;
  calls: { entra: number; exchange: number; refused: string[] };
  close(): Promise<void>;
}

export async function startFakeAzure(options: FakeAzureOptions): Promise<FakeAzure> {
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl));
  const calls = { entra: 0, exchange: 0, refused: [] as string[] };
  const issued = new Set<string>();
  const server: Server = createServer(async (req, res) => {
    const form = new URLSearchParams((await requestBody(req)).toString());
    const send = (status: number, payload: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    const refuse = (status: number, why: string, payload: unknown) => (calls.refused.push(why), send(status, payload));
    if (req.method === 'POST' && req.url === `/entra/${options.tenantId}/oauth2/v2.0/token`) {
      calls.entra++;
      if (
        form.get('grant_type') !== 'client_credentials' ||
        form.get('scope') !== 'https://containerregistry.azure.net/.default'
      )
        return refuse(400, 'entra: grant', { error: 'invalid_request' });
      if (form.get('client_id') !== options.clientId)
        return refuse(400, 'entra: client', {
          error: 'unauthorized_client',
          error_description: 'AADSTS700016: Application not found in the directory.',
        });
      if (form.has('client_assertion')) {
        if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
          return refuse(400, 'entra: assertion type', { error: 'invalid_request' });
        try {
          const { payload } = await jwtVerify(form.get('client_assertion')!, jwks, {
            issuer: options.issuer,
            audience: 'api://AzureADTokenExchange',
          });
          if (payload.sub !== options.subject) throw new Error('subject');
        } catch {
          return refuse(401, 'entra: federated credential', {
            error: 'invalid_client',
            error_description: 'AADSTS70021: No matching federated identity record found for presented assertion.',
          });
        }
      } else if (form.get('client_secret') !== options.clientSecret) {
        return refuse(401, 'entra: secret', {
          error: 'invalid_client',
          error_description: 'AADSTS7000215: Invalid client secret provided.',
        });
      }
      const token = `aad-${crypto.randomUUID()}`;
      issued.add(token);
      return send(200, { token_type: 'Bearer', expires_in: 3599, access_token: token });
    }
    if (req.method === 'POST' && req.url === '/acr/oauth2/exchange') {
      calls.exchange++;
      if (
        form.get('grant_type') !== 'access_token' ||
        form.get('service') !== options.service ||
        form.get('tenant') !== options.tenantId ||
        !issued.has(form.get('access_token') ?? '')
      ) {
        return refuse(401, 'exchange', { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
      }
      return send(200, { refresh_token: options.refreshToken });
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    entraUrl: `${base}/entra/`,
    exchangeUrl: `${base}/acr/oauth2/exchange`,
    calls,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
