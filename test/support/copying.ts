// Helpers for copy tests: run a copy over HTTP and read its events; ask the skopeo judge.

import { expect } from 'vitest';
import type { TestService } from './service.js';
import type { JudgeVerdict } from './judge.js';

export interface CopyRun {
  status: number;
  events: any[];
  final: any;
}

export async function runCopy(service: TestService, body: unknown, accept = 'application/x-ndjson'): Promise<CopyRun> {
  const response = await service.app.request('/v1/copy', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept },
    body: JSON.stringify(body),
  });
  // Decoded by hand: workerd warns when .text() meets a content type it does not know as text.
  const text = new TextDecoder().decode(await response.arrayBuffer());
  if (accept !== 'application/x-ndjson')
    return { status: response.status, events: [], final: text ? JSON.parse(text) : undefined };
  const events = text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  return { status: response.status, events, final: events[events.length - 1] };
}

export async function judge(
  judgeHost: string,
  action: 'raw' | 'copy-all' | 'list-tags' | 'crane-validate' | 'crane-digest' | 'oras-discover',
  ref: string,
  creds?: string,
  spec?: 'v1.1-referrers-tag' | 'v1.1-referrers-api',
): Promise<JudgeVerdict> {
  const res = await fetch(`http://${judgeHost}/`, {
    method: 'POST',
    body: JSON.stringify({ action, ref, ...(creds ? { creds } : {}), ...(spec ? { spec } : {}) }),
  });
  return res.json();
}

/** A repository name no other test (nor the other runtime's run) uses. */
export function uniqueRepository(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Requests to blob endpoints, by method: how many blob bytes moved. */
export function blobTraffic(service: TestService) {
  const blob = (r: { url: string }) =>
    /\/blobs\/sha256:/.test(new URL(r.url).pathname) || /\/blobs\/uploads\//.test(new URL(r.url).pathname);
  return {
    gets: service.requests.filter((r) => r.method === 'GET' && blob(r) && !r.url.includes('/uploads/')).length,
    puts: service.requests.filter((r) => (r.method === 'PUT' || r.method === 'PATCH') && blob(r)).length,
    manifestPuts: service.requests.filter((r) => r.method === 'PUT' && r.url.includes('/manifests/')).length,
  };
}

/** Polls GET /v1/jobs/<id> until the job is done or failed (or ~10 s pass, or `seconds`). */
export async function waitForJob(
  service: TestService,
  id: string,
  headers: Record<string, string> = {},
  seconds = 10,
): Promise<any> {
  let job: any;
  for (let i = 0; i < seconds * 10; i++) {
    job = await (await service.app.request(`/v1/jobs/${id}`, { headers })).json();
    if (job.state === 'done' || job.state === 'failed') return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  return job;
}

/**
 * Reads a streamed (NDJSON) answer until `pattern` shows in it, and returns what was read. A stream that ends
 * first fails the test (a loop on an ended stream would spin without ever letting a timer fire).
 */
async function readUntil(reader: ReadableStreamDefaultReader<string>, pattern: RegExp): Promise<string> {
  let seen = '';
  while (!pattern.test(seen)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`the answer ended before ${pattern}: ${seen.slice(-500)}`);
    seen += value;
  }
  return seen;
}

/**
 * Starts a streamed (NDJSON) copy through `send` (a service's app, or fetch to a running Ferry), reads until its
 * first blob is in place, and goes away before the copy ends. Returns the id of the job its response promised
 * in its first bytes (the ferry-job header), which does the rest.
 */
export async function leaveStreamedCopy(
  send: (path: string, init: RequestInit) => Response | Promise<Response>,
  body: { source: string; target: string },
): Promise<string> {
  const client = new AbortController();
  const answer = await send('/v1/copy', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
    body: JSON.stringify(body),
    signal: client.signal,
  });
  expect(answer.status).toBe(200);
  const promised = answer.headers.get('ferry-job')!;
  expect(promised).toMatch(/^\/v1\/jobs\/[0-9a-f-]{36}$/);
  const reader = answer.body!.pipeThrough(new TextDecoderStream()).getReader();
  const seen = await readUntil(reader, /"type":"done","blob"/);
  client.abort();
  await reader.cancel().catch(() => undefined);
  expect(seen).not.toMatch(/"type":"done","result"/);
  return promised.split('/').at(-1)!;
}
