// Issue 34, metrics: GET /metrics on Node, Deno and Bun in Prometheus's text format, read by Prometheus's own
// `promtool check metrics` after a copy, a promotion, a promotion refused for its signature and a failed
// upstream request; each named counter moved by what happened; behind its own grant; and its series do not
// grow with the repositories copied (registry hosts from the static configuration, never repository names).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { computeDigest } from '../../src/registry/digest.js';
import { MAX_ATTEMPTS } from '../../src/registry/retry.js';
import { requireBinary } from '../support/binaries.js';
import { uniqueRepository } from '../support/copying.js';
import { makeKey } from '../support/cosign-signing.js';
import { startFerry, type FerryProcess, type Runtime } from '../support/ferry-process.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const DOWN = '127.0.0.1:9'; // nothing listens: every request fails before an answer
const OPS = 'ops-key-0123456789abcdef';
const SCRAPER = 'scraper-key-0123456789abcdef';
const COPIER = 'copier-key-0123456789abcdef';
const HOOK_SECRET = 'hook-secret-0123456789abcdef';
const sha = async (key: string) => (await computeDigest(new TextEncoder().encode(key))).slice(7);

/** Each Ferry promotes into repositories of its own: a tag another run promoted would be unchanged. */
async function config() {
  const prod = uniqueRepository('metrics/prod');
  return {
    registries: { [source]: { insecure: true }, [target]: { insecure: true }, [DOWN]: { insecure: true } },
    callers: {
      apiKeys: [
        { name: 'ops', sha256: await sha(OPS) },
        { name: 'scraper', sha256: await sha(SCRAPER) },
        { name: 'copier', sha256: await sha(COPIER) },
      ],
      grants: [
        { apiKey: 'ops', actions: ['admin'], repositories: [`${source}/**`, `${target}/**`, `${DOWN}/**`] },
        { apiKey: 'scraper', actions: ['metrics'], repositories: [`${target}/**`] },
        { apiKey: 'copier', actions: ['inspect', 'copy'], repositories: [`${source}/**`, `${target}/**`] },
      ],
    },
    webhooks: { receivers: { registry: { format: 'distribution', registry: target, secret: HOOK_SECRET } } },
    promotion: {
      rules: [
        {
          name: 'plain',
          source: { repository: `${target}/metrics/staging/**` },
          targets: [{ repository: `${target}/${prod}`, tags: ['{tag}'] }],
          records: 'off',
        },
        {
          name: 'signed',
          source: { repository: `${target}/metrics/staging/**` },
          targets: [{ repository: `${target}/${prod}-signed`, tags: ['{tag}'] }],
          records: 'off',
          verify: { signers: [{ kind: 'cosign-key', publicKey: (await makeKey()).pem }] },
        },
      ],
    },
  };
}

const call = (ferry: FerryProcess, key: string, method: string, path: string, body?: unknown) =>
  fetch(`${ferry.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });

async function scrape(ferry: FerryProcess): Promise<string> {
  const response = await call(ferry, SCRAPER, 'GET', '/metrics');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4');
  return response.text();
}

/** A sample's value, 0 when the series is not there. */
function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

function promtool(text: string): string {
  try {
    return execFileSync(requireBinary('promtool'), ['check', 'metrics'], { input: text, encoding: 'utf8' });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool check metrics failed: ${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

const started: { ferry: FerryProcess; dir: string }[] = [];
afterAll(async () => {
  for (const { ferry, dir } of started) {
    await ferry.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

async function start(runtime: Runtime): Promise<FerryProcess> {
  const dir = mkdtempSync(join(tmpdir(), `ferry-metrics-${runtime}-`));
  const ferry = await startFerry(await config(), {}, dir, runtime);
  started.push({ ferry, dir });
  return ferry;
}

describe.each(['node', 'deno', 'bun'] as Runtime[])('on %s', (runtime) => {
  it('promtool reads /metrics after a copy, promotions and a failed request; each counter moved as it should', async () => {
    const ferry = await start(runtime);
    expect((await call(ferry, COPIER, 'GET', '/metrics')).status).toBe(403); // its grants have no "metrics"
    const before = await scrape(ferry);
    promtool(before);

    const staging = `${target}/metrics/staging/${uniqueRepository('app')}:1.0.0`;
    const copied = await call(ferry, OPS, 'POST', '/v1/copy', {
      source: `${source}/ferry-test/multiarch:v1`,
      target: staging,
    });
    expect(copied.status, await copied.clone().text()).toBe(200);
    const plain = await call(ferry, OPS, 'POST', '/v1/promote', { source: staging, rule: 'plain', dryRun: false });
    expect(plain.status, await plain.clone().text()).toBe(200);
    const signed = await call(ferry, OPS, 'POST', '/v1/promote', { source: staging, rule: 'signed', dryRun: false });
    expect(((await signed.json()) as { code: string }).code).toBe('SIGNATURE_MISSING');
    // A copy as a job: queued, running, done (the same image: its blobs are mounted from where the first went).
    const job = await call(ferry, OPS, 'POST', '/v1/copy', {
      source: `${source}/ferry-test/multiarch:v1`,
      target: `${target}/${uniqueRepository('metrics/job')}:v1`,
      wait: false,
    });
    expect(job.status).toBe(202);
    const { id } = (await job.json()) as { id: string };
    for (let state = ''; state !== 'done'; await new Promise((r) => setTimeout(r, 100))) {
      state = ((await (await call(ferry, OPS, 'GET', `/v1/jobs/${id}`)).json()) as { state: string }).state;
      expect(state).not.toBe('failed');
    }
    // Webhook deliveries: one with the receiver's secret (no events in it), one without.
    const hook = (authorization: string) =>
      fetch(`${ferry.base}/v1/webhooks/registry`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/vnd.docker.distribution.events.v1+json' },
        body: JSON.stringify({ events: [] }),
      });
    expect((await hook(`Bearer ${HOOK_SECRET}`)).status).toBe(202);
    expect((await hook('Bearer guess')).status).toBe(401);
    const down = await call(ferry, OPS, 'GET', `/v1/inspect/${DOWN}/app:1`);
    expect(((await down.json()) as { code: string }).code).toBe('UPSTREAM_UNAVAILABLE');

    const after = await scrape(ferry);
    promtool(after);
    const moved = (series: string) => value(after, series) - value(before, series);
    // The copy, the promotion's own copy and the job's; the refused promotion copies nothing.
    expect(moved('ferry_copies_total{outcome="completed"}')).toBe(3);
    for (const state of ['queued', 'running', 'done']) expect(moved(`ferry_jobs_total{state="${state}"}`)).toBe(1);
    expect(moved('ferry_webhook_deliveries_total{receiver="registry",outcome="accepted"}')).toBe(1);
    expect(moved('ferry_webhook_deliveries_total{receiver="registry",outcome="refused"}')).toBe(1);
    expect(moved('ferry_copies_total{outcome="failed"}')).toBe(0);
    expect(moved('ferry_copy_duration_seconds_count{outcome="completed"}')).toBe(3);
    expect(moved('ferry_promotions_total{outcome="completed"}')).toBe(1);
    expect(moved('ferry_promotions_total{outcome="refused"}')).toBe(1);
    expect(moved('ferry_signature_verdicts_total{verdict="refused"}')).toBe(1);
    // multiarch: an index, two images, their configs and three distinct layers, streamed once; the promotion and
    // the job mount or skip them.
    expect(moved('ferry_blobs_total{how="streamed"}')).toBe(5);
    expect(moved('ferry_blobs_total{how="mounted"}') + moved('ferry_blobs_total{how="skipped"}')).toBe(10);
    expect(moved('ferry_blob_bytes_total{how="streamed"}')).toBeGreaterThan(0);
    expect(moved(`ferry_upstream_requests_total{registry="${source}",status_class="2xx"}`)).toBeGreaterThan(0);
    expect(moved(`ferry_upstream_requests_total{registry="${target}",status_class="2xx"}`)).toBeGreaterThan(0);
    // Every attempt at the unreachable registry's ping (an idempotent GET, tried MAX_ATTEMPTS times).
    expect(moved(`ferry_upstream_requests_total{registry="${DOWN}",status_class="error"}`)).toBe(MAX_ATTEMPTS);
    expect(moved(`ferry_upstream_retries_total{registry="${DOWN}"}`)).toBe(MAX_ATTEMPTS - 1);
    expect(moved(`ferry_upstream_request_duration_seconds_count{registry="${target}"}`)).toBeGreaterThan(0);
  });
});

it('the series do not grow with the repositories copied: 100 repositories, the same series', async () => {
  const ferry = await start('node');
  const copy = (to: string) =>
    call(ferry, OPS, 'POST', '/v1/copy', { source: `${source}/ferry-test/release-a:v1`, target: to });
  expect((await copy(`${target}/${uniqueRepository('metrics/warm')}:v1`)).status).toBe(200);
  const series = (text: string) => text.split('\n').filter((l) => l && !l.startsWith('#'));
  const before = await scrape(ferry);
  for (let i = 0; i < 100; i += 10)
    await Promise.all(
      Array.from({ length: 10 }, async (_, j) => {
        const response = await copy(`${target}/${uniqueRepository(`metrics/many-${i + j}`)}:v${i + j}`);
        expect(response.status).toBe(200);
      }),
    );
  const after = await scrape(ferry);
  expect(
    value(after, 'ferry_copies_total{outcome="completed"}') - value(before, 'ferry_copies_total{outcome="completed"}'),
  ).toBe(100);
  expect(series(after).map((l) => l.split(' ')[0])).toEqual(series(before).map((l) => l.split(' ')[0]));
  expect(after).not.toContain('metrics/many-');
});
