// The web console as the server renders it: the same grants as the API, sign-in with an API key into a
// signed, HttpOnly, SameSite=Strict session cookie (never the key), CSRF tokens on forms, a CSP with
// nothing inline, and pages whose digests are the registry's (checked against skopeo's view).

import { expect, inject, it } from 'vitest';
import { computeDigest } from '../src/registry/digest.js';
import { judge, uniqueRepository, waitForJob } from './support/copying.js';
import { makeService } from './support/service.js';
import { makeState } from '@test-runtime';

const fixture = inject('fixture');
const host = fixture.registries.anonymous.host;
const other = fixture.targets.anonymous.host;
const SECRET = 'console-session-secret-0123456789abcdef';
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'";
const hash = async (k: string) => (await computeDigest(new TextEncoder().encode(k))).slice(7);

async function signedInService(state = makeState(), keys = ['reader-key', 'narrow-key']) {
  const all = [
    { name: 'reader', sha256: await hash('reader-key') },
    { name: 'narrow', sha256: await hash('narrow-key') },
  ].filter((k) => keys.includes(`${k.name}-key`));
  return makeService(
    {
      registries: { [host]: { insecure: true }, [other]: { insecure: true } },
      console: { sessionSecret: { secret: 'CONSOLE_SECRET' } },
      callers: {
        apiKeys: all,
        grants: [
          { apiKey: 'reader', actions: ['inspect'], repositories: [`${host}/**`, `${other}/**`] },
          { apiKey: 'narrow', actions: ['inspect'], repositories: [`${host}/ferry-test/release-*`] },
        ].filter((g) => all.some((k) => k.name === g.apiKey)),
      },
    },
    { secrets: { CONSOLE_SECRET: SECRET }, state },
  );
}

type Service = Awaited<ReturnType<typeof signedInService>>;

async function visit(service: Service, path: string, init: { cookie?: string; method?: string; form?: Record<string, string> } = {}) {
  const res = await service.app.request(`http://localhost${path}`, {
    method: init.method ?? (init.form ? 'POST' : 'GET'),
    redirect: 'manual',
    headers: { ...(init.cookie ? { cookie: init.cookie } : {}), ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
  });
  return { status: res.status, headers: res.headers, html: await res.text(), cookies: res.headers.getSetCookie() };
}

const cookieValue = (cookies: string[], name: string) => cookies.find((c) => c.startsWith(`${name}=`))?.split(';')[0]!.slice(name.length + 1);

async function signIn(service: Service, key: string): Promise<string> {
  const form = await visit(service, '/console/sign-in');
  const csrf = cookieValue(form.cookies, 'ferry_csrf')!;
  const signed = await visit(service, '/console/sign-in', { cookie: `ferry_csrf=${csrf}`, form: { csrf, apiKey: key } });
  expect(signed.status, signed.html).toBe(303);
  return `ferry_csrf=${csrf}; ferry_session=${cookieValue(signed.cookies, 'ferry_session')}`;
}

it('anonymous mode: the image page shows the platforms and layers skopeo sees, under a CSP with nothing inline', async () => {
  const service = makeService({ registries: { [host]: { insecure: true } } });
  const view = fixture.skopeo.anonymous.multiarch!;
  const page = await visit(service, `/console/image/${host}/ferry-test/multiarch:v1`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toBe(CSP);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  const children = (JSON.parse(Buffer.from(view.raw, 'base64').toString()) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest);
  const shown = [...page.html.matchAll(/<a class="digest" href="[^"]*">(sha256:[0-9a-f]{64})<\/a>/g)].map((m) => m[1]);
  expect(shown).toEqual(children);
  expect(page.html).not.toMatch(/<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=/i);
  const amd = Object.values(view.images).find((i) => i.summary.Architecture === 'amd64')!;
  const layers = await visit(service, `/console/image/${host}/ferry-test/multiarch:v1?platform=linux/amd64`);
  expect([...layers.html.matchAll(/<code class="digest">(sha256:[0-9a-f]{64})<\/code>/g)].map((m) => m[1])).toEqual(amd.summary.Layers);
  expect(layers.html).toContain('&quot;/bin/ferry-test&quot;');
  const compare = await visit(service, `/console/compare?from=${host}/ferry-test/release-a:v1&to=${host}/ferry-test/release-b:v1`);
  expect(compare.html).toContain('<li class="added">+ linux/s390x</li>');
  expect(compare.html).toContain('<li class="removed">− linux/arm64/v8</li>');
  expect(compare.html).toContain('~ label version: 1 → 2');
});

it('sign-in: a CSRF-checked form, a signed HttpOnly SameSite=Strict session that never holds the key, sign-out, revocation', async () => {
  const state = makeState();
  const service = await signedInService(state);
  const away = await visit(service, '/console/registries');
  expect([away.status, away.headers.get('location')]).toEqual([303, '/console/sign-in']);
  const form = await visit(service, '/console/sign-in');
  const csrfCookie = form.cookies.find((c) => c.startsWith('ferry_csrf='))!;
  expect(csrfCookie).toMatch(/; Path=\/console; HttpOnly; SameSite=Strict; Max-Age=28800$/); // plain-http loopback: no Secure
  const csrf = cookieValue(form.cookies, 'ferry_csrf')!;
  expect(form.html).toContain(`<input type="hidden" name="csrf" value="${csrf}"/>`);
  expect(form.html).toMatch(/<label for="api-key">API key<\/label><input id="api-key"/);
  // Another site can post the form, but not with the cookie's token.
  expect((await visit(service, '/console/sign-in', { form: { csrf, apiKey: 'reader-key' } })).status).toBe(403);
  expect((await visit(service, '/console/sign-in', { cookie: `ferry_csrf=${csrf}`, form: { csrf: 'x'.repeat(43), apiKey: 'reader-key' } })).status).toBe(403);
  const wrong = await visit(service, '/console/sign-in', { cookie: `ferry_csrf=${csrf}`, form: { csrf, apiKey: 'not-a-key' } });
  expect([wrong.status, wrong.html.includes('Unknown or revoked API key.')]).toEqual([401, true]);

  const signed = await visit(service, '/console/sign-in', { cookie: `ferry_csrf=${csrf}`, form: { csrf, apiKey: 'reader-key' } });
  const session = signed.cookies.find((c) => c.startsWith('ferry_session='))!;
  expect(session).toMatch(/^ferry_session=[\w-]{43}\.[\w-]{43}; Path=\/console; HttpOnly; SameSite=Strict; Max-Age=28800$/);
  expect(session).not.toContain('reader-key');
  const jar = `ferry_csrf=${csrf}; ${session.split(';')[0]}`;
  const registries = await visit(service, '/console/registries', { cookie: jar });
  expect(registries.status).toBe(200);
  expect(registries.html).toContain('API key reader');
  // A forged signature is no session.
  const forged = jar.replace(/\.[\w-]{43}$/, `.${'A'.repeat(43)}`);
  expect((await visit(service, '/console/registries', { cookie: forged })).status).toBe(303);

  // Removing the key from the configuration ends its sessions (same store, new configuration).
  const without = await signedInService(state, ['narrow-key']);
  expect((await visit(without, '/console/registries', { cookie: jar })).headers.get('location')).toBe('/console/sign-in');

  expect((await visit(service, '/console/sign-out', { cookie: jar, form: { csrf } })).status).toBe(303);
  expect((await visit(service, '/console/registries', { cookie: jar })).status).toBe(303);
});

it('nothing a caller may not see is rendered: registries filtered by grants, refused pages say which grant is missing', async () => {
  const service = await signedInService();
  const narrow = await signIn(service, 'narrow-key');
  const registries = await visit(service, '/console/registries', { cookie: narrow });
  expect(registries.html).toContain(`<td>${host}</td>`);
  expect(registries.html).not.toContain(`<td>${other}</td>`);
  const refused = await visit(service, `/console/image/${host}/ferry-test/multiarch:v1`, { cookie: narrow });
  expect(refused.status).toBe(403);
  expect(refused.html).toContain('<strong>FORBIDDEN</strong>');
  expect(refused.html).not.toContain(fixture.skopeo.anonymous.multiarch!.digest);
  const compare = await visit(service, `/console/compare?from=${host}/ferry-test/release-a:v1&to=${host}/ferry-test/multiarch:v1`, { cookie: narrow });
  expect(compare.status).toBe(403);
  const allowed = await visit(service, `/console/image/${host}/ferry-test/release-a:v1`, { cookie: narrow });
  expect(allowed.status).toBe(200);
  expect(allowed.html).toContain(fixture.skopeo.anonymous['release-a']!.digest);
});

it('the copy form runs a job whose page follows it to its end (live over server-sent events); a forged form is refused', async () => {
  const service = makeService({ registries: { [host]: { insecure: true }, [other]: { insecure: true } } }, { jobs: true });
  const form = await visit(service, '/console/copy');
  expect(form.html).toMatch(/<label for="source">Source<\/label><input id="source"/);
  const csrf = cookieValue(form.cookies, 'ferry_csrf')!;
  const target = `${other}/${uniqueRepository('console/copy')}`;
  const fields = { csrf, source: `${host}/ferry-test/multiarch:v1`, target: `${target}:v1`, platforms: '', tags: 'stable' };
  expect((await visit(service, '/console/copy', { form: fields })).status).toBe(403);
  const submitted = await visit(service, '/console/copy', { cookie: `ferry_csrf=${csrf}`, form: fields });
  expect(submitted.status, submitted.html).toBe(303);
  const id = submitted.headers.get('location')!.split('/').at(-1)!;
  const events = await service.app.request(`http://localhost/console/jobs/${id}/events`);
  expect(events.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  const stream = await events.text();
  expect(stream).toMatch(/^event: job\ndata: \{"state":"(queued|running|done)"/);
  expect(stream.trimEnd().split('\n\n').at(-1)).toMatch(/^event: job\ndata: \{"state":"done","progress":\{"blobsDone":\d+,"blobsTotal":\d+\}\}$/);
  expect((await waitForJob(service, id, {}, 30)).state).toBe('done');
  const page = await visit(service, `/console/jobs/${id}`, { cookie: `ferry_csrf=${csrf}` });
  expect(page.html).toContain(`<dd id="job-state">done</dd>`);
  expect(page.html).toContain(`tagged v1, stable`);
  expect(page.html).not.toContain('Cancel job');
  expect((await judge(fixture.judge, 'raw', `${target}:stable`)).raw).toBe(fixture.skopeo.anonymous.multiarch!.raw);
  const jobs = await visit(service, '/console/jobs', { cookie: `ferry_csrf=${csrf}` });
  expect(jobs.html).toContain(`<a href="/console/jobs/${id}">${id}</a>`);
  // Cancelling a finished job is refused, with the reason.
  const late = await visit(service, `/console/jobs/${id}/cancel`, { cookie: `ferry_csrf=${csrf}`, form: { csrf } });
  expect([late.status, late.html.includes('<strong>CONFLICT</strong>')]).toEqual([409, true]);
});

it('a signed-in key without the copy grant sees the copy refused, naming the grant', async () => {
  const service = await signedInService();
  const jar = await signIn(service, 'reader-key');
  const csrf = /ferry_csrf=([\w-]+)/.exec(jar)![1]!;
  const refused = await visit(service, '/console/copy', { cookie: jar, form: { csrf, source: `${host}/ferry-test/v2s2:v1`, target: `${other}/console/never:v1` } });
  expect(refused.status).toBe(403);
  expect(refused.html).toContain(`<strong>FORBIDDEN</strong>: caller key:reader has no &quot;copy&quot; grant`);
});

it('rules you may use with a dry-run plan; the audit log with filters, for admins only', async () => {
  const staging = `${other}/${uniqueRepository('console/stage')}`;
  const prod = `${other}/${uniqueRepository('console/prod')}`;
  const service = makeService({
    registries: { [host]: { insecure: true }, [other]: { insecure: true } },
    promotion: { rules: [{ name: 'to-prod', source: { repository: staging, tags: { regex: '^v' } }, targets: [{ repository: prod, tags: ['{tag}'] }] }] },
  });
  const copied = await service.app.request('/v1/copy', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ source: `${host}/ferry-test/v2s2:v1`, target: `${staging}:v3` }) });
  expect(copied.status).toBe(200);
  const rules = await visit(service, '/console/rules');
  expect(rules.html).toContain('to-prod');
  expect(rules.html).toMatch(/<label for="source-to-prod">Source image<\/label><input id="source-to-prod"/);
  const plan = await visit(service, `/console/rules/to-prod/plan?source=${encodeURIComponent(`${staging}:v3`)}`);
  expect(plan.status, plan.html).toBe(200);
  expect(plan.html).toMatch(new RegExp(`<tr class="create"><td><code>${prod.replace(/[.]/g, '\\.')}</code></td><td>v3</td><td>create</td>`));
  expect((await judge(fixture.judge, 'raw', `${prod}:v3`)).ok).toBe(false); // a dry run writes nothing
  const mismatch = await visit(service, `/console/rules/to-prod/plan?source=${encodeURIComponent(`${host}/ferry-test/v2s2:v1`)}`);
  expect([mismatch.status, mismatch.html.includes('<strong>RULE_MISMATCH</strong>')]).toEqual([422, true]);
  const audit = await visit(service, '/console/audit?action=copy');
  expect(audit.html).toContain(`<td>copy</td><td><code>${host}/ferry-test/v2s2:v1@${fixture.skopeo.anonymous.v2s2!.digest} → ${staging}</code></td><td>ok</td>`);
  expect((await visit(service, '/console/audit?action=rule.put')).html).not.toContain(staging);
  // Not an admin: no audit page.
  const signed = await signedInService();
  const jar = await signIn(signed, 'narrow-key');
  const refused = await visit(signed, '/console/audit', { cookie: jar });
  expect([refused.status, refused.html.includes('<strong>FORBIDDEN</strong>')]).toEqual([403, true]);
});

it('the sign-in form is read as API bodies are: bounded (open to anyone), and a bad path is a 400, not a crash', async () => {
  const service = await signedInService();
  const huge = await service.app.request('http://localhost/console/sign-in', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `apiKey=${'a'.repeat(1024 * 1024)}` });
  expect([huge.status, ((await huge.json()) as { code: string }).code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
  const anonymous = makeService({ registries: { [host]: { insecure: true } } });
  const bad = await anonymous.app.request(`http://localhost/console/image/${host}/ferry-test/multiarch:%E0`);
  expect(bad.status).toBe(400);
});
