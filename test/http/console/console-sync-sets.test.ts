// The console's sync set pages: the sets a caller may run, a dry run's plan (nothing written), a run started
// by a CSRF-checked form, and the set's runs; a caller who may not run a set is told it does not exist.

import { expect, inject, it } from 'vitest';
import { localRegistries } from '../../support/configs.js';
import { uniqueRepository, waitForJob } from '../../support/copying.js';
import { makeService } from '../../support/service.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;

async function visit(
  service: ReturnType<typeof makeService>,
  path: string,
  init: { cookie?: string; form?: Record<string, string> } = {},
) {
  const res = await service.app.request(`http://localhost${path}`, {
    method: init.form ? 'POST' : 'GET',
    redirect: 'manual',
    headers: {
      ...(init.cookie ? { cookie: init.cookie } : {}),
      ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
  });
  return { status: res.status, html: await res.text(), cookies: res.headers.getSetCookie() };
}

it('lists the sets, shows a dry run, runs a set from its page and shows the run', async () => {
  const mirror = uniqueRepository('console-sync');
  const service = makeService(
    {
      registries: localRegistries(source, target),
      syncs: [
        {
          name: 'console-set',
          sources: [{ registry: source, repositories: ['ferry-test/v2s2'] }],
          target: { registry: target, path: `${mirror}/{repository}` },
          tags: { regex: '^v1$' },
          schedule: '0 * * * *',
        },
      ],
    },
    { jobs: true },
  );
  const sets = await visit(service, '/console/syncs');
  expect(sets.status).toBe(200);
  expect(sets.html).toContain('<a href="/console/syncs/console-set">console-set</a>');
  expect(sets.html).toContain('<code>0 * * * *</code>');

  const plan = await visit(service, '/console/syncs/console-set/plan');
  expect(plan.html).toMatch(
    /<tr class="copy"><td><code>[^<]*ferry-test\/v2s2<\/code><\/td><td><code>[^<]*<\/code><\/td><td>v1<\/td>/,
  );
  expect((await fetch(`http://${target}/v2/${mirror}/ferry-test/v2s2/tags/list`)).status).toBe(404);

  const page = await visit(service, '/console/syncs/console-set');
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.html)![1]!;
  const cookie = page.cookies.map((c) => c.split(';')[0]).join('; ');
  expect(
    (await visit(service, '/console/syncs/console-set/run', { cookie, form: { csrf: 'x'.repeat(43) } })).status,
  ).toBe(403);
  const ran = await visit(service, '/console/syncs/console-set/run', { cookie, form: { csrf } });
  expect(ran.status, ran.html).toBe(303);
  const runs = (await (await service.app.request('/v1/syncs/console-set/runs')).json()) as {
    runs: { jobs: string[] }[];
  };
  for (const id of runs.runs[0]!.jobs) expect((await waitForJob(service, id)).state).toBe('done');
  const after = await visit(service, '/console/syncs/console-set');
  expect(after.html).toMatch(/<tr class="done"><td>[^<]+<\/td><td>manual<\/td><td>done<\/td><td>1<\/td>/);
  expect((await visit(service, '/console/syncs/no-such-set')).status).toBe(404);
});
