/** @jsxImportSource hono/jsx */
// The console's guards: who the caller is (a session, Cloudflare Access, or anonymous on loopback), the
// CSRF token every form carries, and the wrappers that turn a page or an action into a route answer.

import type { Context } from 'hono';
import type { Caller } from '../../config/callers.js';
import { AppError, isAppError } from '../../errors.js';
import { requireGrant } from '../../policy.js';
import { parseReference } from '../../reference.js';
import { checkAnonymousRequest } from '../anonymous-guard.js';
import { constantTimeEqual } from '../../constant-time.js';
import { issuerCaller } from '../auth.js';
import type { AppEnv } from '../app-env.js';
import { MAX_API_BODY_BYTES, readBodyBytes } from '../body.js';
import { Layout, Problem, SignIn } from './pages/layout.js';
import {
  cookie,
  CSRF_COOKIE,
  randomToken,
  readCookie,
  SESSION_COOKIE,
  SESSION_SECONDS,
  sessionCaller,
  sessionCsrfToken,
} from './session.js';

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; " +
  "base-uri 'none'";

export type C = Context<AppEnv>;

/** The request's CSRF token, set as a cookie when the browser has none yet. */
export function csrfToken(c: C): string {
  const held = readCookie(c.req.header('cookie'), CSRF_COOKIE, new URL(c.req.url));
  if (held && /^[\w-]{43}$/.test(held)) return held;
  // One fresh token per answer, however many forms on the page ask for it (the layout's and the page's own).
  const given = freshTokens.get(c.req.raw);
  if (given) return given;
  const fresh = randomToken();
  freshTokens.set(c.req.raw, fresh);
  c.header('set-cookie', cookie(CSRF_COOKIE, fresh, new URL(c.req.url), SESSION_SECONDS), { append: true });
  return fresh;
}
const freshTokens = new WeakMap<Request, string>();

/**
 * A posted form from this origin whose token is the session's own (signed in) or matches the browser's
 * cookie (before sign-in): another site can send neither.
 */
export async function checkedForm(c: C): Promise<Record<string, string>> {
  const stale = () =>
    new AppError('FORBIDDEN', 'the form is stale or came from elsewhere: reload the page and send it again');
  const url = new URL(c.req.url);
  // Browsers say where a form was posted from; the host is compared (a TLS-ending proxy changes the scheme).
  const origin = c.req.header('origin');
  const site = c.req.header('sec-fetch-site');
  if ((origin && origin !== 'null' && hostOf(origin) !== url.host) || origin === 'null') throw stale();
  if (site && site !== 'same-origin' && site !== 'none') throw stale();
  // Read as the API reads bodies (64 KiB, within the deadline): sign-in is open to anyone.
  const bytes = await readBodyBytes(c.req.raw, c.var.deps, MAX_API_BODY_BYTES);
  const form = Object.fromEntries(new URLSearchParams(new TextDecoder().decode(bytes)));
  const cookies = c.req.header('cookie');
  const session = readCookie(cookies, SESSION_COOKIE, url);
  const expected = session ? await sessionCsrfToken(c.var.deps, session) : readCookie(cookies, CSRF_COOKIE, url);
  if (!expected || !form.csrf || !constantTimeEqual(expected, form.csrf)) throw stale();
  return form;
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/**
 * Who uses the console: the local user in anonymous mode; behind Cloudflare Access, the identity its
 * verified assertion names; else the signed-in API key; undefined: sign in. An assertion that does not
 * verify is refused (UNAUTHENTICATED), and one is never read unless Access is configured: outside
 * Cloudflare anyone can send the header.
 */
export async function consoleCaller(c: C, formWithCsrf = false): Promise<Caller | undefined> {
  const deps = c.var.deps;
  if (deps.config.callers.anonymous) {
    checkAnonymousRequest(deps.config.callers, c.req.raw, { formWithCsrf });
    return { kind: 'anonymous', id: 'anonymous' };
  }
  const access = deps.config.console.cloudflareAccess;
  const assertion = c.req.header('cf-access-jwt-assertion');
  if (access && assertion) return issuerCaller(deps, access, assertion);
  return sessionCaller(deps, readCookie(c.req.header('cookie'), SESSION_COOKIE, new URL(c.req.url)));
}

export function whoIs(caller: Caller): string {
  if (caller.kind === 'apiKey') return `API key ${caller.name}`;
  if (caller.kind !== 'oidc') return 'local user (anonymous mode)';
  // Access names people by email and service tokens by common_name.
  const name = caller.claims.email ?? caller.claims.common_name;
  return typeof name === 'string' ? name : caller.id;
}

/** The console's caller, or the sign-in page (with why, when an identity was refused). */
export async function callerOrSignIn(c: C, formWithCsrf = false): Promise<Caller | Response> {
  try {
    return (await consoleCaller(c, formWithCsrf)) ?? c.redirect('/console/sign-in', 303);
  } catch (error) {
    if (!isAppError(error) || error.code !== 'UNAUTHENTICATED') throw error;
    return c.html(
      <SignIn
        csrf={csrfToken(c)}
        available={!!c.var.deps.config.console.sessionSecret}
        access={!!c.var.deps.config.console.cloudflareAccess}
        error={error.message}
      />,
      401,
    );
  }
}

/**
 * A page for a known caller: the sign-in page when there is none; a failure rendered with its status, in the
 * page's own form when it has `kept` (the user's input stays), else alone. A body may answer a Response (a
 * redirect) instead of content.
 */
export function page(
  title: (c: C) => string,
  body: (c: C, caller: Caller) => Promise<unknown>,
  kept?: (c: C, error: AppError) => Promise<unknown>,
) {
  return async (c: C) => {
    const caller = await callerOrSignIn(c);
    if (caller instanceof Response) return caller;
    const csrf = csrfToken(c);
    const frame = (content: unknown, status = 200) =>
      c.html(
        <Layout title={title(c)} csrf={csrf} signedIn={caller.kind === 'apiKey'} who={whoIs(caller)}>
          {content as never}
        </Layout>,
        status as 200,
      );
    try {
      const content = await body(c, caller);
      return content instanceof Response ? content : frame(content);
    } catch (error) {
      if (!isAppError(error)) throw error;
      const shown = kept ? await kept(c, error) : <Problem code={error.code} detail={error.message} />;
      return frame(shown, error.status);
    }
  };
}

/**
 * A form's action for a known caller, its CSRF token checked first; a failure rendered with its status, in the
 * form again with what was sent when `kept` draws it.
 */
export function action(
  title: string,
  act: (c: C, caller: Caller, form: Record<string, string>) => Promise<Response>,
  kept?: (c: C, form: Record<string, string>, error: AppError) => Promise<unknown>,
) {
  return async (c: C) => {
    const form = await checkedForm(c);
    const caller = await callerOrSignIn(c, true);
    if (caller instanceof Response) return caller;
    try {
      return await act(c, caller, form);
    } catch (error) {
      if (!isAppError(error)) throw error;
      return c.html(
        <Layout title={title} csrf={form.csrf!} signedIn={caller.kind === 'apiKey'} who={whoIs(caller)}>
          {(kept ? await kept(c, form, error) : <Problem code={error.code} detail={error.message} />) as never}
        </Layout>,
        error.status as 200,
      );
    }
  };
}

/** `?page=N` (1 when absent or not a page number). */
export function pageNumber(c: C): number {
  const page = Number(c.req.query('page') ?? 1);
  return Number.isInteger(page) && page >= 1 && page <= 100_000 ? page : 1;
}

/** The rest of the path after a prefix, decoded: a reference or repository. */
export function rest(c: C, prefix: string): string {
  const raw = new URL(c.req.url).pathname.slice(prefix.length);
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new AppError('INVALID_REFERENCE', 'the path is not valid percent-encoding');
  }
}

/** The reference in the path after `prefix`, once the caller's inspect grant covers its repository. */
export function inspectable(c: C, caller: Caller, prefix: string): { reference: string; repository: string } {
  const reference = rest(c, prefix);
  const ref = parseReference(reference);
  const repository = `${ref.registry}/${ref.repository}`;
  requireGrant(c.var.deps.config.callers, caller, 'inspect', repository);
  return { reference, repository };
}
