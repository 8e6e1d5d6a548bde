// The console as a browser meets it, without one: a page visited with cookies and forms, and a sign-in with an
// API key that answers the session's cookies.

import { expect } from 'vitest';
import type { TestService } from './service.js';

export async function visit(
  service: Pick<TestService, 'app'>,
  path: string,
  init: { cookie?: string; method?: string; form?: Record<string, string> } = {},
) {
  const res = await service.app.request(`http://localhost${path}`, {
    method: init.method ?? (init.form ? 'POST' : 'GET'),
    redirect: 'manual',
    headers: {
      ...(init.cookie ? { cookie: init.cookie } : {}),
      ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
  });
  return { status: res.status, headers: res.headers, html: await res.text(), cookies: res.headers.getSetCookie() };
}

export const cookieValue = (cookies: string[], name: string) =>
  cookies
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0]!
    .slice(name.length + 1);

/** Signs in with `key`: the cookies that stand for the session (the CSRF token is the session's own). */
export async function signIn(service: Pick<TestService, 'app'>, key: string): Promise<string> {
  const form = await visit(service, '/console/sign-in');
  const csrf = cookieValue(form.cookies, 'ferry_csrf')!;
  const signed = await visit(service, '/console/sign-in', {
    cookie: `ferry_csrf=${csrf}`,
    form: { csrf, apiKey: key },
  });
  expect(signed.status, signed.html).toBe(303);
  return `ferry_csrf=${cookieValue(signed.cookies, 'ferry_csrf')}; ferry_session=${cookieValue(signed.cookies, 'ferry_session')}`;
}
