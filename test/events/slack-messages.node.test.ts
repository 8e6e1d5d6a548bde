// Issue 34, Slack: a sink with "format": "slack" gets an incoming webhook's message, checked by a receiver that
// refuses what Slack refuses (not JSON: invalid_payload; no text: no_text): the outcome, what it was about and
// a link to the console's page of the job or sync set, in Slack's link syntax. Text from elsewhere (a
// registry's error message) is escaped, so it cannot make a link or a mention of its own.

import { afterAll, expect, inject, it } from 'vitest';
import { dispatchScheduledSyncs } from '../../src/ops/sync/index.js';
import { slackMessage } from '../../src/ops/events/slack.js';
import { localRegistries } from '../support/configs.js';
import { uniqueRepository, waitForJob } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { startReceiver } from '../support/event-receiver.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const CONSOLE = 'https://ferry.example.com';

// Slack's incoming webhook, as its documentation describes its answers (400 invalid_payload, no_text).
function slackStatus(delivery: { headers: Record<string, string>; body: string }): number {
  if (!delivery.headers['content-type']?.startsWith('application/json')) return 400;
  try {
    const { text } = JSON.parse(delivery.body) as { text?: unknown };
    return typeof text === 'string' && text ? 200 : 400;
  } catch {
    return 400;
  }
}
const slack = await startReceiver(slackStatus);
afterAll(slack.close);
const url = slack.url.replace('/hook', '/services/T0/B0/x');
const texts = () => slack.got.filter((d) => d.status === 200).map((d) => (JSON.parse(d.body) as { text: string }).text);

it("a job's copy and a sync run read as messages linking their console pages", async () => {
  const service = makeService(
    {
      registries: localRegistries(source, target),
      events: { consoleUrl: CONSOLE, sinks: { chat: { url, format: 'slack', allowPrivateAddresses: true } } },
      syncs: [
        {
          name: 'chat-set',
          sources: [{ registry: source, repositories: ['ferry-test/v2s2'] }],
          target: { registry: target, path: `${uniqueRepository('slack')}/{repository}` },
          tags: { regex: '^v1$' },
        },
      ],
    },
    { jobs: true },
  );
  const repository = uniqueRepository('slack/job');
  const res = await service.app.request('/v1/copy', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      source: `${source}/ferry-test/release-a:v1`,
      target: `${target}/${repository}:v1`,
      wait: false,
    }),
  });
  const { id } = (await res.json()) as { id: string };
  expect((await waitForJob(service, id)).state).toBe('done');
  await service.settle();
  const copied = texts().find((t) => t.includes(repository))!;
  expect(copied).toMatch(/^Ferry: copy completed /);
  expect(copied).toContain(`${source}/ferry-test/release-a`);
  expect(copied).toContain(`<${CONSOLE}/console/jobs/${id}|job>`);

  const started = await service.app.request('/v1/syncs/chat-set/runs', { method: 'POST' });
  const { run } = (await started.json()) as { run: { jobs: string[] } };
  for (const job of run.jobs) await waitForJob(service, job);
  await dispatchScheduledSyncs(service.deps);
  await service.settle();
  const synced = texts().find((t) => t.startsWith('Ferry: sync completed'))!;
  expect(synced).toContain('chat-set: 1 copied, 0 failed');
  expect(synced).toContain(`<${CONSOLE}/console/syncs/chat-set|sync set>`);
});

it("escapes text from elsewhere: a registry's message makes no link or mention", () => {
  const deps = { config: { events: { consoleUrl: CONSOLE } } } as Parameters<typeof slackMessage>[0];
  const { text } = slackMessage(deps, {
    specversion: '1.0',
    id: 'e1',
    source: 'urn:ferry',
    type: 'dev.ferry.copy.failed',
    time: new Date().toISOString(),
    subject: 'r.example.com/app',
    datacontenttype: 'application/json',
    data: {
      code: 'UPSTREAM_ERROR',
      message: 'denied <https://evil.example|sign in here> <!channel> & more',
      job: 'j<1>',
    },
  });
  expect(text).toContain('denied &lt;https://evil.example|sign in here&gt; &lt;!channel&gt; &amp; more');
  expect(text).not.toMatch(/<https:\/\/evil|<!channel>/);
  expect(text).toContain(`<${CONSOLE}/console/jobs/j%3C1%3E|job>`);
});
