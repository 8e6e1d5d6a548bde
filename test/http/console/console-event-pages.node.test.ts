// Issue 34, the console's events pages: the sinks a signed-in admin administers, and a sink's dead letters
// (events it never took after every retry), each shown only to admins of what it is about.

import { afterAll, expect, inject, it } from 'vitest';
import { computeDigest } from '../../../src/registry/digest.js';
import { localRegistries } from '../../support/configs.js';
import { signIn, visit } from '../../support/console-session.js';
import { uniqueRepository } from '../../support/copying.js';
import { startReceiver, whsec } from '../../support/event-receiver.js';
import { makeService } from '../../support/service.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const SECRET = whsec('a receiver secret of 32 bytes!!!');
const hash = async (k: string) => (await computeDigest(new TextEncoder().encode(k))).slice(7);

// A receiver that never takes anything.
const { url, close } = await startReceiver(() => 500);
afterAll(close);

it("lists the sinks an admin administers and a sink's dead letters, to admins of what they are about", async () => {
  const service = makeService(
    {
      registries: localRegistries(source, target),
      console: { sessionSecret: { secret: 'CONSOLE_SECRET' } },
      callers: {
        apiKeys: [
          { name: 'ops', sha256: await hash('ops-key-0123456789') },
          { name: 'theirs', sha256: await hash('theirs-key-0123456789') },
          { name: 'reader', sha256: await hash('reader-key-0123456789') },
        ],
        grants: [
          { apiKey: 'ops', actions: ['admin'], repositories: [`${source}/**`, `${target}/**`] },
          { apiKey: 'theirs', actions: ['admin'], repositories: ['registry.example.com/**'] },
          { apiKey: 'reader', actions: ['inspect'], repositories: ['**/**'] },
        ],
      },
      events: {
        retry: { firstSeconds: 0.05, attempts: 2 },
        sinks: {
          down: { url, secrets: [SECRET], allowPrivateAddresses: true, repositories: [`${target}/**`] },
        },
      },
    },
    { secrets: { CONSOLE_SECRET: 'console-session-secret-0123456789abcdef' } },
  );
  const repository = uniqueRepository('console/dead');
  const copied = await service.app.request('/v1/copy', {
    method: 'POST',
    headers: { authorization: 'Bearer ops-key-0123456789', 'content-type': 'application/json' },
    body: JSON.stringify({ source: `${source}/ferry-test/release-a:v1`, target: `${target}/${repository}:v1` }),
  });
  expect(copied.status).toBe(200);
  await service.settle();

  const ops = await signIn(service, 'ops-key-0123456789');
  const sinks = await visit(service, '/console/events', { cookie: ops });
  expect(sinks.status).toBe(200);
  expect(sinks.html).toContain('<a href="/console/events/down/dead">down</a>');
  expect(sinks.html).toContain('<a href="/console/events">Events</a>'); // in the navigation
  const dead = await visit(service, '/console/events/down/dead', { cookie: ops });
  expect(dead.status).toBe(200);
  const rows = [...dead.html.matchAll(/<tr class="dead">(.*?)<\/tr>/g)].map((m) => m[1]!);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toContain('dev.ferry.copy.completed');
  expect(rows[0]).toContain(`<code>${source}/ferry-test/release-a</code>`);
  expect(rows[0]).toMatch(/<td>2<\/td><td>HTTP 500<\/td>/);

  // An admin of other repositories sees neither the sink nor its letters; a reader is no admin at all.
  const theirs = await signIn(service, 'theirs-key-0123456789');
  expect((await visit(service, '/console/events', { cookie: theirs })).html).not.toContain('/console/events/down');
  const hidden = await visit(service, '/console/events/down/dead', { cookie: theirs });
  expect(hidden.status).toBe(200); // as the API answers: each letter shown only to admins of what it is about
  expect(hidden.html).not.toContain('<tr class="dead">');
  const reader = await signIn(service, 'reader-key-0123456789');
  expect((await visit(service, '/console/events/down/dead', { cookie: reader })).status).toBe(403);
  expect((await visit(service, '/console/events/nope/dead', { cookie: ops })).status).toBe(404);
});
