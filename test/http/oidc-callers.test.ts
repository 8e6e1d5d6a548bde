// OIDC callers: tokens verified with jose against a JWKS served over real HTTP, every forgery rejected,
// a rotated key picked up, and grants matched on stable claims.

import { base64url, importJWK, SignJWT, type JWTPayload } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const ISSUER = 'https://token.actions.example.test';
const AUDIENCE = 'ferry-tests';
const path = `/v1/inspect/${source}/ferry-test/multiarch:v1`;

function service(jwksId: string, extra: Record<string, unknown> = {}) {
  return makeService({
    registries: localRegistries(source),
    callers: {
      oidc: [
        {
          issuer: ISSUER,
          jwksUri: `${fixture.oidc.base}/jwks/${jwksId}`,
          audience: AUDIENCE,
          maxTokenAgeSeconds: 600,
          clockToleranceSeconds: 5,
          ...extra,
        },
      ],
      grants: [
        {
          issuer: ISSUER,
          claims: { repository_id: '4242', ref_protected: true },
          actions: ['inspect'],
          repositories: [`${source}/ferry-test/**`],
        },
      ],
    },
  });
}

const now = () => Math.floor(Date.now() / 1000);
const goodClaims: JWTPayload = { repository_id: '4242', ref_protected: true, sub: 'repo:org/app:ref:refs/heads/main' };

async function sign(
  claims: JWTPayload,
  options: {
    key?: 'first' | 'second';
    iss?: string;
    aud?: string;
    iat?: number;
    exp?: number;
    nbf?: number;
    kid?: string;
  } = {},
) {
  const jwk = fixture.oidc.keys[options.key ?? 'first'];
  const key = await importJWK(jwk, jwk.alg);
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: jwk.alg!, kid: options.kid ?? jwk.kid! })
    .setIssuer(options.iss ?? ISSUER)
    .setAudience(options.aud ?? AUDIENCE)
    .setIssuedAt(options.iat ?? now())
    .setExpirationTime(options.exp ?? now() + 300);
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign(key);
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const id = () => crypto.randomUUID();

describe('OIDC tokens', () => {
  it('a valid token with the granted claims is accepted', async () => {
    const svc = service(id());
    const res = await svc.get(path, bearer(await sign(goodClaims)));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  it('valid but without the stable claims the grant names is 403', async () => {
    const svc = service(id());
    const res = await svc.get(path, bearer(await sign({ ...goodClaims, ref_protected: false })));
    expect(res.status).toBe(403);
    // A sub that merely starts like a granted one does not help: grants match exact claims only.
    const other = await svc.get(
      path,
      bearer(await sign({ sub: goodClaims.sub, repository_id: '4243', ref_protected: true })),
    );
    expect(other.status).toBe(403);
  });

  const forgeries: [string, () => Promise<string>, string][] = [
    ['wrong issuer', () => sign(goodClaims, { iss: 'https://evil.example.test' }), 'issuer'],
    ['wrong audience', () => sign(goodClaims, { aud: 'someone-else' }), 'aud'],
    ['expired', () => sign(goodClaims, { iat: now() - 400, exp: now() - 60 }), 'expired'],
    ['not yet valid (nbf)', () => sign(goodClaims, { nbf: now() + 600 }), 'nbf'],
    ['too old (iat beyond maxTokenAge)', () => sign(goodClaims, { iat: now() - 3600, exp: now() + 300 }), 'expired'],
    ['unknown kid', () => sign(goodClaims, { kid: 'key-9' }), 'no key'],
    [
      'alg none',
      async () => {
        const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
        const payload = base64url.encode(
          JSON.stringify({ ...goodClaims, iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 300 }),
        );
        return `${header}.${payload}.`;
      },
      'algorithm',
    ],
    [
      'HS256 signed with the public key',
      async () => {
        const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = fixture.oidc.keys.first;
        const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
        return new SignJWT({ ...goodClaims })
          .setProtectedHeader({ alg: 'HS256', kid: 'key-1' })
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(secret);
      },
      'algorithm',
    ],
    [
      'tampered payload',
      async () => {
        const [h, , s] = (await sign({ ...goodClaims, repository_id: '1' })).split('.');
        return `${h}.${base64url.encode(JSON.stringify({ ...goodClaims, iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 300 }))}.${s}`;
      },
      'signature',
    ],
  ];

  it.each(forgeries)('%s is rejected with 401', async (_name, make, why) => {
    const svc = service(id(), { jwksCooldownSeconds: 0 });
    const res = await svc.get(path, bearer(await make()));
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHENTICATED');
    expect(res.body.detail.toLowerCase()).toContain(why);
  });

  it('picks up a rotated key: the old key stops working, the new one works', async () => {
    const jwks = id();
    const svc = service(jwks, { jwksCooldownSeconds: 0 });
    expect((await svc.get(path, bearer(await sign(goodClaims)))).status).toBe(200);
    const rotate = await fetch(`${fixture.oidc.base}/rotate/${jwks}`, { method: 'POST' });
    expect(rotate.status).toBe(204);
    expect((await svc.get(path, bearer(await sign(goodClaims, { key: 'second' })))).status).toBe(200);
    // The JWKS now holds key 2 only; a token of key 1 finds no key.
    expect((await svc.get(path, bearer(await sign(goodClaims)))).status).toBe(401);
    const fetches = svc.requests.filter((r) => r.url.includes(`/jwks/${jwks}`));
    expect(fetches.length).toBeGreaterThanOrEqual(2);
  });

  it('keeps the issuer keys in KV, so another instance verifies without fetching them', async () => {
    const jwks = id();
    const first = service(jwks);
    expect((await first.get(path, bearer(await sign(goodClaims)))).status).toBe(200);
    const second = makeService(
      {
        registries: localRegistries(source),
        callers: {
          oidc: [{ issuer: ISSUER, jwksUri: `${fixture.oidc.base}/jwks/${jwks}`, audience: AUDIENCE }],
          grants: [
            { issuer: ISSUER, claims: { repository_id: '4242' }, actions: ['inspect'], repositories: [`${source}/**`] },
          ],
        },
      },
      { kv: first.deps.kv },
    );
    expect((await second.get(path, bearer(await sign(goodClaims)))).status).toBe(200);
    expect(second.requests.filter((r) => r.url.includes('/jwks/'))).toEqual([]);
  });
});

describe('configuration', () => {
  it('refuses HS256 in an issuer algorithm list, and issuer grants without claims', () => {
    expect(() => service(id(), { algorithms: ['HS256'] })).toThrowError(/asymmetric/);
    expect(() =>
      makeService({
        registries: {},
        callers: {
          oidc: [{ issuer: ISSUER, audience: AUDIENCE }],
          grants: [{ issuer: ISSUER, actions: ['inspect'], repositories: ['a/**'] }],
        },
      }),
    ).toThrowError(/must name claims/);
  });
});
