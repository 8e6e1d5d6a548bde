// The in-process Workflows emulation (test/support/strict-platform.ts) and wrangler's local engine (Miniflare's
// Workflows, what `npm start` runs) take the same instance ids and step names: each case goes to both, and
// the test fails where they disagree. The ids and step names Ferry itself makes are among the cases, so a
// naming the engine refuses fails here before it fails a job. (Sizes: the emulation holds step results to
// the hosted 1 MiB; the local engine stores somewhat more, so sizes are not part of this contract.)

import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { batchId, blobBatchId } from '../../src/ops/jobs/batches.js';
import { eventRetryId } from '../../src/ops/webhooks/receive.js';
import { blobStepName } from '../../src/ops/jobs/index.js';
import { StrictPlatform } from '../support/strict-platform.js';

const ENGINE_WORKER = `
import { WorkflowEntrypoint } from 'cloudflare:workers';
export class Probe extends WorkflowEntrypoint {
  async run(event, step) { await step.do(event.payload.step, async () => 1); }
}
export default {
  async fetch(request, env) {
    const { id, step } = await request.json();
    let instance;
    try {
      instance = await env.PROBE.create({ id, params: { step } });
    } catch (error) {
      return Response.json({ created: false });
    }
    for (let i = 0; i < 200; i++) {
      const { status } = await instance.status();
      if (status === 'complete' || status === 'errored') return Response.json({ created: true, ran: status === 'complete' });
      await new Promise((r) => setTimeout(r, 25));
    }
    return Response.json({ created: true, ran: 'still running' });
  },
};`;

let engine: Miniflare;
beforeAll(async () => {
  engine = new Miniflare({
    modules: true,
    script: ENGINE_WORKER,
    compatibilityDate: '2025-04-01',
    workflows: { PROBE: { name: 'probe', className: 'Probe' } },
  });
  await engine.ready;
}, 60_000);
afterAll(() => engine?.dispose());

interface Outcome {
  created: boolean;
  ran?: boolean | string;
}

async function onEngine(id: string, step: string): Promise<Outcome> {
  const res = await engine.dispatchFetch('http://engine/', { method: 'POST', body: JSON.stringify({ id, step }) });
  return (await res.json()) as Outcome;
}

async function onEmulation(id: string, step: string): Promise<Outcome> {
  const platform = new StrictPlatform(() => Date.now());
  const workflows = platform.workflows(async (_id, steps) => void (await steps.do(step, {}, async () => 1)));
  try {
    await workflows.create({ id, params: { id } });
  } catch {
    return { created: false };
  }
  await workflows.settle();
  const { status } = await (await workflows.get(id)).status();
  return { created: true, ran: status === 'complete' };
}

const uuid = crypto.randomUUID();
const hex = uuid.replaceAll('-', '');
const longRepository = `127.0.0.1:5000/${'team/'.repeat(40)}app`.slice(0, 270);
const blob = { target: longRepository, digest: `sha256:${'a'.repeat(64)}` };

const IDS: [string, string][] = [
  ['a job', uuid],
  ['a webhook job', hex],
  ["a many-tags job's batch", batchId(uuid, 12)],
  ["a promotion's blob batch", blobBatchId(uuid, 3)],
  ["a webhook event's retry", eventRetryId(hex, 2)],
  ['a dot', `${uuid}.1`],
  ['a leading hyphen', `-${hex}`],
  ['101 characters', 'a'.repeat(101)],
  ['a space', 'job 1'],
];
const STEPS: [string, string][] = [
  ['a plain name', 'list tags'],
  ["Ferry's blob step on a long repository", blobStepName(blob as never)],
  ["Ferry's blob step part", `${blobStepName(blob as never)} part 999`],
  ['256 characters', 's'.repeat(256)],
  ['257 characters', 's'.repeat(257)],
  ['a newline', 'blob\nname'],
  ['a tab', 'blob\tname'],
];

it.each(IDS)('instance id: %s — the emulation agrees with the engine', async (_what, id) => {
  const [real, emulated] = [await onEngine(id, 'plain'), await onEmulation(id, 'plain')];
  expect(emulated).toEqual(real);
});

it.each(STEPS)('step name: %s — the emulation agrees with the engine', async (_what, step) => {
  const id = `step_${crypto.randomUUID()}`;
  const [real, emulated] = [await onEngine(id, step), await onEmulation(id, step)];
  expect(emulated).toEqual(real);
});

it('every id and step name Ferry makes is one the engine takes', async () => {
  for (const [what, id] of IDS.slice(0, 5))
    expect([what, await onEngine(id, 'plain')]).toEqual([what, { created: true, ran: true }]);
  for (const [what, step] of STEPS.slice(0, 3))
    expect([what, await onEngine(`ferry_${crypto.randomUUID()}`, step)]).toEqual([what, { created: true, ran: true }]);
});
