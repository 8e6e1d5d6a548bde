// The `identity` part of the configuration: Ferry as an OIDC workload identity, its issuer URL and signing keys.

import { z } from 'zod';
import type { ConfigProblems } from './problems.js';
import { HttpUrl, SecretValueSchema } from './values.js';

/** Ferry as an OIDC workload identity: the issuer clouds federate with, and the keys it signs with. */
export const IdentitySchema = z
  .strictObject({
    /** Where Ferry is reached: the tokens' issuer; discovery and keys are served below it. */
    publicUrl: HttpUrl,
    /** Signing keys (PKCS #8 PEM), each published by its id; several allow rotation. */
    keys: z
      .array(
        z.strictObject({
          kid: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'key ids are 1-64 of A-Z a-z 0-9 _ . -'),
          privateKey: SecretValueSchema,
        }),
      )
      .min(1, 'expected at least one signing key'),
    /** The key that signs; the others are only published (default: the first). */
    activeKid: z.string().optional(),
    algorithm: z
      .enum(['RS256', 'ES256'], { error: 'expected "RS256" (accepted by AWS, Google and Entra) or "ES256"' })
      .optional(),
  })
  .refine(
    (i) => i.activeKid === undefined || i.keys.some((k) => k.kid === i.activeKid),
    'activeKid names none of the keys',
  )
  .refine((i) => new Set(i.keys.map((k) => k.kid)).size === i.keys.length, 'key ids must differ');

export interface IdentityConfig {
  /** The issuer: Ferry's public URL without a trailing slash. */
  issuer: string;
  keys: { kid: string; pem: string }[];
  activeKid: string;
  algorithm: 'RS256' | 'ES256';
}

export function buildIdentity(identity: z.infer<typeof IdentitySchema>, problems: ConfigProblems): IdentityConfig {
  const keys = identity.keys.map((k, i) => {
    const pem = problems.secret(`identity.keys[${i}].privateKey`, k.privateKey);
    if (pem && !/-----BEGIN PRIVATE KEY-----/.test(pem))
      problems.add(
        `identity.keys[${i}].privateKey`,
        'expected a PKCS #8 PEM private key ("-----BEGIN PRIVATE KEY-----")',
      );
    return { kid: k.kid, pem };
  });
  return {
    issuer: identity.publicUrl.replace(/\/+$/, ''),
    keys,
    activeKid: identity.activeKid ?? identity.keys[0]!.kid,
    algorithm: identity.algorithm ?? 'RS256',
  };
}
