// Who is using the console. Anonymous mode: the local user. Otherwise an API key entered once into the
// sign-in form: the session (which key, for 8 hours) is kept in the state store, and the browser holds
// only its id, signed with HMAC-SHA256 under `console.sessionSecret` — never the key. A key removed from
// the configuration ends its sessions at their next request. Forms carry a CSRF token: a signed-in
// user's is an HMAC of the session's id (a cookie another host tossed cannot stand for it); before
// sign-in it must equal a SameSite=Strict cookie's (double submit). Over https the cookies are __Host-
// (Secure, Path=/, no Domain), so no sibling host can set them.

import type { Caller } from '../../config/callers.js';
import type { Deps } from '../../deps.js';
import { fromBase64Url, toBase64 } from '../../encoding.js';
import { computeDigest } from '../../registry/digest.js';
import { stateKeys } from '../../state/records.js';
import { constantTimeEqual } from '../../constant-time.js';

export const SESSION_COOKIE = 'ferry_session';
export const CSRF_COOKIE = 'ferry_csrf';
export const SESSION_SECONDS = 8 * 3600;

const base64url = (bytes: Uint8Array) => toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
export const randomToken = () => base64url(crypto.getRandomValues(new Uint8Array(32)));

async function sign(secret: string, id: string, purpose = 'ferry-console-session'): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return base64url(
    new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${purpose}\u0000${id}`))),
  );
}

const secure = (url: URL) =>
  !(url.protocol === 'http:' && /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(url.hostname));

/** A console cookie's name on the wire: __Host- wherever the cookie is Secure (the scheme allows it). */
const wireName = (name: string, url: URL) => (secure(url) ? `__Host-${name}` : name);

/** A console cookie as the browser sent it (`name` as SESSION_COOKIE or CSRF_COOKIE say it). */
export function readCookie(header: string | undefined, name: string, url: URL): string | undefined {
  return readRawCookie(header, wireName(name, url));
}

function readRawCookie(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Cookie attributes: HttpOnly, SameSite=Strict; Secure with the __Host- prefix (Path=/) except on
 * plain-http loopback, where the console's path is enough.
 */
export function cookie(name: string, value: string, url: URL, maxAgeSeconds: number): string {
  const attributes = `HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}`;
  return secure(url)
    ? `${wireName(name, url)}=${value}; Path=/; ${attributes}; Secure`
    : `${name}=${value}; Path=/console; ${attributes}`;
}

/** The CSRF token of a signed-in session: an HMAC of its id, so only this session's pages know it. */
export async function sessionCsrfToken(deps: Deps, value: string | undefined): Promise<string | undefined> {
  const secret = deps.config.console.sessionSecret;
  const id = sessionId(value);
  return secret && id ? sign(secret, id, 'ferry-console-csrf') : undefined;
}

/** Checks an API key as the API does, by its SHA-256 in constant time; the key's name, or undefined. */
export async function apiKeyName(deps: Deps, key: string): Promise<string | undefined> {
  const hash = (await computeDigest(new TextEncoder().encode(key))).slice('sha256:'.length);
  let found: string | undefined;
  for (const k of deps.config.callers.apiKeys) if (constantTimeEqual(hash, k.sha256)) found = k.name; // no early exit
  return found;
}

/** A new session for an API key: the cookie's value (id.signature). */
export async function startSession(deps: Deps, keyName: string): Promise<string> {
  const id = randomToken();
  await deps.state.create(
    stateKeys.consoleSession(id),
    JSON.stringify({ key: keyName, at: new Date(deps.now()).toISOString() }),
    { ttlSeconds: SESSION_SECONDS },
  );
  return `${id}.${await sign(deps.config.console.sessionSecret!, id)}`;
}

function sessionId(value: string | undefined): string | undefined {
  const [id, signature] = value?.split('.') ?? [];
  if (!id || !signature || !/^[\w-]{43}$/.test(id)) return undefined;
  try {
    fromBase64Url(signature);
  } catch {
    return undefined;
  }
  return id;
}

/** The caller a session cookie stands for, or undefined (none, forged, expired, or its key removed). */
export async function sessionCaller(deps: Deps, value: string | undefined): Promise<Caller | undefined> {
  const secret = deps.config.console.sessionSecret;
  const id = sessionId(value);
  if (!secret || !id || !constantTimeEqual(value!.split('.')[1]!, await sign(secret, id))) return undefined;
  const entry = await deps.state.get(stateKeys.consoleSession(id));
  if (!entry) return undefined;
  const { key } = JSON.parse(entry.value) as { key: string };
  if (!deps.config.callers.apiKeys.some((k) => k.name === key)) return undefined;
  return { kind: 'apiKey', id: `key:${key}`, name: key };
}

export async function endSession(deps: Deps, value: string | undefined): Promise<void> {
  const id = sessionId(value);
  if (id) await deps.state.delete(stateKeys.consoleSession(id));
}
