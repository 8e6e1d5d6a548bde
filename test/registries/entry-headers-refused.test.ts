// Security review v2, weak item 25: a registry entry's extra headers are only names a header may have
// (RFC 9110 tokens) and never one Ferry or the connection owns: Host, Cookie, Authorization (credentials
// say that), nor a name with a space such as "Authorization " (it answered 500 when sent). Refused in the
// static configuration (INVALID_CONFIG naming the path) and through the API (400 INVALID_REQUEST).

import { expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { toBase64 } from '../../src/encoding.js';
import { isAppError } from '../../src/errors.js';
import { makeService } from '../support/service.js';

const KEY = toBase64(crypto.getRandomValues(new Uint8Array(32)));
const REFUSED = ['Host', 'cookie', 'Authorization ', 'Proxy-Authorization', 'x bad', 'x-ok:', ''];

it.each(REFUSED)('the configuration refuses an entry header named %j', (name) => {
  let problem: unknown;
  try {
    parseConfig({ registries: { 'registry.example.com': { headers: { [name]: 'v' } } } });
  } catch (error) {
    problem = error;
  }
  expect(isAppError(problem) && problem.code).toBe('INVALID_CONFIG');
  expect(String((problem as Error).message)).toContain('registries["registry.example.com"].headers');
});

it('a token header name is still taken', () => {
  const config = parseConfig({ registries: { 'registry.example.com': { headers: { 'X-Registry-Tenant': 'a' } } } });
  expect(config.registries.get('registry.example.com')?.headers).toEqual({ 'X-Registry-Tenant': 'a' });
});

it.each(REFUSED)('PUT /v1/registries refuses an entry header named %j with 400', async (name) => {
  const service = makeService(
    {
      registries: {},
      managedRegistries: { keys: [{ kid: 'k1', key: { secret: 'SEALING_KEY' } }] },
      callers: { anonymous: true },
    },
    { secrets: { SEALING_KEY: KEY } },
  );
  const res = await service.app.request('/v1/registries/registry.example.com', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ headers: { [name]: 'v' } }),
  });
  expect(res.status).toBe(400);
  expect(((await res.json()) as { code: string }).code).toBe('INVALID_REQUEST');
});
