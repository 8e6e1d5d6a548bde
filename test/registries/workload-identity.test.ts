// Ferry as a workload identity, on Node and workerd: discovery and the public keys (no private part)
// at its public URL; tokens signed by the active key, verifiable with the published JWKS, naming one
// registry entry as `sub` and one audience, living five minutes; rotation publishes every key.

import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { mintToken } from '../../src/identity.js';
import { makeService } from '../support/service.js';

async function pkcs8Pem(): Promise<string> {
  const pair = (await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
  const der = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
  return `-----BEGIN PRIVATE KEY-----\n${btoa(String.fromCharCode(...der)).replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
}

it('discovery and keys are published; tokens verify with them and name one entry and one audience', async () => {
  const [old, current] = [await pkcs8Pem(), await pkcs8Pem()];
  const config = {
    identity: {
      publicUrl: 'https://ferry.example.com/',
      keys: [
        { kid: 'old', privateKey: { secret: 'OLD' } },
        { kid: 'current', privateKey: { secret: 'CURRENT' } },
      ],
      activeKid: 'current',
    },
    callers: {},
  };
  const service = makeService(config, { secrets: { OLD: old, CURRENT: current } });
  const discovery = (await (await service.app.request('/.well-known/openid-configuration')).json()) as Record<
    string,
    unknown
  >;
  expect(discovery).toMatchObject({
    issuer: 'https://ferry.example.com',
    jwks_uri: 'https://ferry.example.com/.well-known/jwks.json',
    id_token_signing_alg_values_supported: ['RS256'],
  });
  const jwks = (await (await service.app.request('/.well-known/jwks.json')).json()) as {
    keys: Record<string, unknown>[];
  };
  expect(jwks.keys.map((k) => k.kid)).toEqual(['old', 'current']);
  expect(jwks.keys.every((k) => k.d === undefined && k.p === undefined && k.use === 'sig' && k.alg === 'RS256')).toBe(
    true,
  );

  const now = Date.now();
  const token = await mintToken(
    service.deps.config.identity!,
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
    'sts.amazonaws.com',
    now,
  );
  expect(decodeProtectedHeader(token).kid).toBe('current');
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks as never), {
    issuer: 'https://ferry.example.com',
    audience: 'sts.amazonaws.com',
  });
  expect(payload).toMatchObject({
    sub: 'registry:123456789012.dkr.ecr.eu-west-1.amazonaws.com',
    aud: 'sts.amazonaws.com',
  });
  expect(payload.exp! - payload.iat!).toBe(300);
  await expect(
    jwtVerify(token, createLocalJWKSet(jwks as never), {
      issuer: 'https://ferry.example.com',
      audience: 'sts.amazonaws.com',
      currentDate: new Date(now + 301_000),
    }),
  ).rejects.toThrow();

  expect((await makeService({ callers: {} }).app.request('/.well-known/jwks.json')).status).toBe(404);
});

it('an identity is checked where it is written: keys, activeKid; federation without one is refused', () => {
  const refused =
    (doc: unknown, secrets: Record<string, string> = {}) =>
    () =>
      parseConfig(doc, (n) => secrets[n]);
  expect(
    refused({ identity: { publicUrl: 'https://f.example', keys: [{ kid: 'a', privateKey: 'not a key' }] } }),
  ).toThrowError(
    expect.objectContaining({
      message: expect.stringContaining('identity.keys[0].privateKey: expected a PKCS #8 PEM private key'),
    }),
  );
  expect(
    refused({ identity: { publicUrl: 'https://f.example', keys: [{ kid: 'a', privateKey: 'x' }], activeKid: 'b' } }),
  ).toThrowError(expect.objectContaining({ message: expect.stringContaining('activeKid names none of the keys') }));
  expect(
    refused({
      registries: {
        '1.dkr.ecr.us-east-1.amazonaws.com': {
          credentials: { aws: { region: 'us-east-1', roleArn: 'arn:aws:iam::123456789012:role/r' } },
        },
      },
    }),
  ).toThrowError(
    expect.objectContaining({
      message: expect.stringContaining("credentials.aws.roleArn: federation needs Ferry's own identity"),
    }),
  );
  expect(
    refused({
      registries: {
        'r.example': {
          credentials: {
            aws: {
              region: 'us-east-1',
              roleArn: 'arn:aws:iam::123456789012:role/r',
              accessKeyId: 'a',
              secretAccessKey: 'b',
            },
          },
        },
      },
    }),
  ).toThrowError(
    expect.objectContaining({
      message: expect.stringContaining('give roleArn (federation) or accessKeyId and secretAccessKey, not both'),
    }),
  );
});
