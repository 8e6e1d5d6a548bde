// The registry front's tokens, the way registry clients expect them (the distribution token spec): a
// client told `401` + `WWW-Authenticate: Bearer realm=…/v1/token` asks there with Basic credentials (any
// user name, an API key as the password: `docker login`, `podman login`, `skopeo login`) or a Bearer
// OIDC token (CI), and gets a short-lived token signed by Ferry naming only the repositories it may pull.
// An API key's token is refused as soon as the key leaves the configuration; any other lives out its
// `front.tokenTtlSeconds` at most.

import { jwtVerify, SignJWT } from 'jose';
import type { Caller } from '../../config/callers.js';
import type { Deps } from '../../deps.js';
import { toBase64, fromBase64 } from '../../encoding.js';
import { AppError } from '../../errors.js';
import { frontNameUpstreams } from '../../ops/front/index.js';
import { isAllowed } from '../../policy.js';
import { stateKeys } from '../../state/records.js';
import type { StateStore } from '../../state/store.js';

const ISSUER = 'ferry-front';

/** What a token lets its holder pull: upstream repositories ("registry/repository"). */
export interface FrontGrant {
  caller: string;
  upstreams: string[];
}

// One key per deployment, made by whichever request first needs it (create-if-absent decides the race).
const keys = new WeakMap<StateStore, Promise<Uint8Array>>();

function signingKey(deps: Deps): Promise<Uint8Array> {
  let key = keys.get(deps.state);
  if (!key) {
    key = (async () => {
      const fresh = toBase64(crypto.getRandomValues(new Uint8Array(32)));
      await deps.state.create(stateKeys.frontTokenKey(), fresh);
      const held = await deps.state.get(stateKeys.frontTokenKey());
      if (!held) throw new AppError('INTERNAL', 'the front token key could not be stored');
      return fromBase64(held.value);
    })();
    key.catch(() => keys.delete(deps.state));
    keys.set(deps.state, key);
  }
  return key;
}

/** The repositories of `repository:<name>:<actions>` scopes asking to pull. */
export function pullScopes(scopes: string[]): string[] {
  const names: string[] = [];
  for (const scope of scopes.flatMap((s) => s.split(' ')).filter(Boolean)) {
    const first = scope.indexOf(':');
    const last = scope.lastIndexOf(':');
    if (first === -1 || last === first || scope.slice(0, first) !== 'repository') continue;
    if (
      scope
        .slice(last + 1)
        .split(',')
        .includes('pull')
    )
      names.push(scope.slice(first + 1, last));
  }
  return [...new Set(names)];
}

/** Whether the caller may pull an upstream repository ("registry/repository"), by its grants. */
export const mayPull = (deps: Deps, caller: Caller, upstream: string) =>
  isAllowed(deps.config.callers, caller, 'pull', upstream);

// An API key's token names the key and a piece of its hash: a key removed or replaced refuses its tokens.
const keyMark = (caller: Caller, deps: Deps) => {
  if (caller.kind !== 'apiKey') return undefined;
  const sha256 = deps.config.callers.apiKeys.find((k) => k.name === caller.name)?.sha256;
  return sha256 ? `${caller.name}:${sha256.slice(0, 16)}` : undefined;
};

/** A token for the requested repositories the caller may pull; FORBIDDEN when it may pull none of them. */
export async function issueToken(
  deps: Deps,
  caller: Caller,
  requested: string[],
): Promise<{ token: string; expiresIn: number; issuedAt: string }> {
  // A scope names what the client sees; the token names what that may serve (by its alias, or under any
  // mirrored `?ns=` host, which a scope does not carry), and a request is checked against what it serves.
  const granted = requested.map((name) => ({
    name,
    upstreams: frontNameUpstreams(deps.config, name).filter((u) => mayPull(deps, caller, u)),
  }));
  const pulls = granted.flatMap((g) => g.upstreams);
  if (requested.length && !pulls.length)
    throw new AppError('FORBIDDEN', `caller ${caller.id} has no "pull" grant on ${requested.join(', ')}`, {
      details: { missingGrant: { action: 'pull', repositories: requested } },
    });
  const now = Math.floor(deps.now() / 1000);
  const ttl = deps.config.front.tokenTtlSeconds;
  const mark = keyMark(caller, deps);
  const token = await new SignJWT({
    access: granted
      .filter((g) => g.upstreams.length)
      .map((g) => ({ type: 'repository', name: g.name, actions: ['pull'] })),
    pulls: [...new Set(pulls)],
    ...(mark ? { key: mark } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setSubject(caller.id)
    .setIssuedAt(now)
    .setExpirationTime(now + ttl)
    .sign(await signingKey(deps));
  return { token, expiresIn: ttl, issuedAt: new Date(now * 1000).toISOString() };
}

/** The grant a front token carries; UNAUTHENTICATED when it is not one, expired, or its key was revoked. */
export async function verifyToken(deps: Deps, token: string): Promise<FrontGrant> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, await signingKey(deps), {
      algorithms: ['HS256'],
      issuer: ISSUER,
      currentDate: new Date(deps.now()),
    }));
  } catch {
    throw new AppError('UNAUTHENTICATED', 'the token is not one of this registry front, or it expired');
  }
  if (typeof payload.key === 'string') {
    const [name, mark] = payload.key.split(':');
    const key = deps.config.callers.apiKeys.find((k) => k.name === name);
    if (!key?.sha256 || !key.sha256.startsWith(mark ?? '-'))
      throw new AppError('UNAUTHENTICATED', 'the API key this token was issued for is revoked');
  }
  const pulls = Array.isArray(payload.pulls) ? payload.pulls : [];
  return {
    caller: String(payload.sub ?? ''),
    upstreams: pulls.filter((n): n is string => typeof n === 'string'),
  };
}
