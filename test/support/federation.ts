// What the cloud-auth tests share: a signing key for Ferry's workload identity, and Ferry served on a
// port of its own (a cloud's fake fetches its JWKS from there), with a clock the test can move.

import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { expect } from 'vitest';
import { freePort } from './ports.js';
import { makeService, type TestService } from './service.js';

/** An RSA key as PKCS #8 PEM, as `identity.keys[].privateKey` takes it. */
export async function rsaPrivateKeyPem(): Promise<string> {
  const pair = (await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', pair.privateKey)).toString('base64');
  return `-----BEGIN PRIVATE KEY-----\n${pkcs8.replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
}

export interface ServedFerry {
  service: TestService;
  publicUrl: string;
  /** Ferry's clock (and the cloud fakes', when they take `clock`). */
  clock(): number;
  advance(ms: number): void;
  close(): void;
}

/** A port chosen first: the configuration names Ferry's public URL, which the fakes must know too. */
export async function reservePublicUrl(): Promise<{ port: number; publicUrl: string }> {
  const port = await freePort();
  return { port, publicUrl: `http://127.0.0.1:${port}` };
}

export async function serveFerry(
  port: number,
  publicUrl: string,
  config: Record<string, unknown>,
  secrets: Record<string, string>,
  keyPem: string,
): Promise<ServedFerry> {
  let offset = 0;
  const clock = () => Date.now() + offset;
  const service = makeService(
    {
      ...config,
      identity: { publicUrl, keys: [{ kid: 'ferry-1', privateKey: { secret: 'FERRY_IDENTITY_KEY' } }] },
      callers: { anonymous: true },
    },
    { secrets: { ...secrets, FERRY_IDENTITY_KEY: keyPem } },
  );
  service.deps.now = clock;
  // Listening once serve's callback runs (a fixed pause was too short on a busy machine).
  let server!: ReturnType<typeof serve>;
  await new Promise<void>((resolve) => {
    server = serve({ fetch: service.app.fetch, hostname: '127.0.0.1', port }, () => resolve());
  });
  expect((server.address() as AddressInfo).port).toBe(port);
  return { service, publicUrl, clock, advance: (ms) => (offset += ms), close: () => void server.close() };
}
