// On Workers, "wait": false runs the copy as a Cloudflare Workflow instance (here: wrangler's local engine
// under `npm start`), and GET /v1/jobs/<id> follows it to the end.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { judge, uniqueRepository } from '../support/copying.js';
import { startFerry, type FerryProcess } from '../support/ferry-process.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const state = mkdtempSync(join(tmpdir(), 'ferry-wf-'));
let ferry: FerryProcess | undefined;
afterAll(async () => {
  await ferry?.stop();
  rmSync(state, { recursive: true, force: true });
});

/** A copy started as a job (`wait: false`), followed until it ends or `seconds` pass. */
async function copyAsJob(request: Record<string, unknown>, seconds: number): Promise<any> {
  const accepted = await fetch(`${ferry!.base}/v1/copy`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...request, wait: false }),
  });
  const body = (await accepted.json()) as { id: string; url: string };
  expect(accepted.status, JSON.stringify(body)).toBe(202);
  let job: any;
  for (let i = 0; i < seconds * 5; i++) {
    job = await (await fetch(`${ferry!.base}${body.url}`)).json();
    if (job.state === 'done' || job.state === 'failed') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return job;
}

it('a copy job runs to completion as a Workflow', async () => {
  const source = fixture.registries.anonymous.host;
  const target = fixture.targets.anonymous.host;
  ferry = await startFerry(
    { registries: localRegistries(source, target), callers: { anonymous: true } },
    {},
    state,
    'workerd',
  );
  const repository = uniqueRepository('workflows/app');
  const job = await copyAsJob({ source: `${source}/ferry-test/large:v1`, target: `${target}/${repository}:v1` }, 30);
  expect(job, JSON.stringify(job)).toMatchObject({
    state: 'done',
    result: { digest: fixture.skopeo.anonymous.large!.digest },
  });
  expect((await judge(fixture.judge, 'copy-all', `${target}/${repository}:v1`)).ok).toBe(true);
}, 90_000);

it('a tags: "all" copy of 150 tags (two batches, past syncMaxTags) runs to the end on the Workflows engine', async () => {
  const source = fixture.registries.anonymous.host;
  const target = fixture.targets.anonymous.host;
  ferry ??= await startFerry(
    { registries: localRegistries(source, target), callers: { anonymous: true } },
    {},
    state,
    'workerd',
  );
  const repository = uniqueRepository('workflows/many');
  const { repository: from, digests } = fixture.bulk.tags150;
  const job = await copyAsJob({ source: `${source}/${from}`, target: `${target}/${repository}`, tags: 'all' }, 120);
  expect(job.state, JSON.stringify(job).slice(0, 2000)).toBe('done');
  // Judged at the target: every tag, each naming the source's manifest.
  const listed = (await (await fetch(`http://${target}/v2/${repository}/tags/list?n=1000`)).json()) as {
    tags: string[];
  };
  expect(listed.tags.sort()).toEqual(Object.keys(digests).sort());
  for (const [tag, digest] of Object.entries(digests)) {
    const head = await fetch(`http://${target}/v2/${repository}/manifests/${tag}`, {
      method: 'HEAD',
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect([tag, head.headers.get('docker-content-digest')]).toEqual([tag, digest]);
  }
}, 180_000);
