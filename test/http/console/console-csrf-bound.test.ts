// Security review v2, B8 and weak items 38, 39, 42: the console's CSRF token was a double-submit cookie
// without the __Host- prefix or an Origin check, so a sibling subdomain that tossed its own ferry_csrf
// cookie could post a signed-in user's forms from a foreign Origin. A signed-in form's token is now bound
// to the session (an HMAC of its id), cookies are __Host- where the scheme allows, a state-changing
// request from another origin is refused, the CSP says base-uri 'none', and live streams are capped.

import { expect, inject, it } from 'vitest';
import { CSP } from '../../../src/http/console/guard.js';
import { computeDigest } from '../../../src/registry/digest.js';
import { localRegistries } from '../../support/configs.js';
import { makeService } from '../../support/service.js';

const fixture = inject('fixture');
const host = fixture.registries.anonymous.host;
const other = fixture.targets.anonymous.host;
const hash = async (k: string) => (await computeDigest(new TextEncoder().encode(k))).slice(7);
const TOSSED = 'A'.repeat(43);

async function signedIn(base: string) {
  const service = makeService(
    {
      registries: localRegistries(host, other),
      console: { sessionSecret: { secret: 'CONSOLE_SECRET' } },
      callers: {
        apiKeys: [{ name: 'writer', sha256: await hash('writer-key') }],
        grants: [{ apiKey: 'writer', actions: ['inspect', 'copy'], repositories: ['**/**'] }],
      },
    },
    { secrets: { CONSOLE_SECRET: 'console-secret-for-csrf-0123456789abcdef' }, jobs: true },
  );
  const send = (path: string, init: { cookie?: string; form?: Record<string, string>; origin?: string } = {}) =>
    service.app.request(`${base}${path}`, {
      method: init.form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        ...(init.cookie ? { cookie: init.cookie } : {}),
        ...(init.origin ? { origin: init.origin } : {}),
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    });
  const pair = (cookies: string[]) => cookies.map((c) => c.split(';')[0]!);
  const form = await send('/console/sign-in');
  const [csrfPair] = pair(form.headers.getSetCookie());
  const csrf = csrfPair!.split('=')[1]!;
  const signed = await send('/console/sign-in', { cookie: csrfPair, form: { csrf, apiKey: 'writer-key' } });
  expect(signed.status).toBe(303);
  const cookies = pair(signed.headers.getSetCookie());
  const session = cookies.find((c) => c.includes('ferry_session='))!;
  const bound = cookies.find((c) => c.includes('ferry_csrf='));
  return { service, send, form, session, bound, csrfName: csrfPair!.split('=')[0]! };
}

const copyForm = (csrf: string) => ({
  csrf,
  source: `${host}/ferry-test/v2s2:v1`,
  target: `${other}/csrf-proof-${crypto.randomUUID().slice(0, 8)}:v1`,
  platforms: '',
  tags: '',
});

it('B8: a tossed CSRF cookie with the same form value does not post for a signed-in user', async () => {
  const { send, session, csrfName } = await signedIn('http://localhost');
  const forged = await send('/console/copy', {
    cookie: `${csrfName}=${TOSSED}; ${session}`,
    form: copyForm(TOSSED),
  });
  expect(forged.status).toBe(403);
});

it('B8: a state-changing request from another origin is refused, even with the right token', async () => {
  const { send, session, bound, csrfName } = await signedIn('http://localhost');
  const token = bound!.split('=')[1]!;
  const cookie = `${csrfName}=${token}; ${session}`;
  const foreign = await send('/console/copy', {
    cookie,
    form: copyForm(token),
    origin: 'https://evil.sibling.example',
  });
  expect(foreign.status).toBe(403);
  const same = await send('/console/copy', { cookie, form: copyForm(token), origin: 'http://localhost' });
  expect(same.status, await same.text()).toBe(303);
});

it('cookies are __Host- over https (Secure, Path=/), and the CSP says base-uri none', async () => {
  const { form } = await signedIn('https://console.example');
  for (const set of form.headers.getSetCookie()) expect(set).toMatch(/^__Host-ferry_\w+=[^;]*; Path=\/;.*Secure/);
  expect(form.headers.get('content-security-policy')).toContain("base-uri 'none'");
  expect(CSP).toContain("base-uri 'none'");
});
