/** @jsxImportSource hono/jsx */
// The console's copy form and job pages, on the console's own guards: a copy from the form (always a job), the
// jobs list, a job's page, its live server-sent events, and its cancel form.

import type { Hono } from 'hono';
import type { Deps } from '../../deps.js';
import type { AppError } from '../../errors.js';
import { isFinished, listJobs } from '../../ops/jobs/index.js';
import { nearTag } from '../../ops/inspect/index.js';
import { resolveDigest } from '../../ops/resolve.js';
import type { AppEnv } from '../app-env.js';
import { authorizeCopy, submitCopyJob } from '../copy.js';
import { cancelVisibleJob, jobReader, visibleJob } from '../jobs.js';
import { action, consoleCaller, csrfToken, page } from './guard.js';
import { activeBlobText, CopyForm, formList, JobPage, JobsList, jobTiming, progressText } from './pages/jobs.js';
import { Problem } from './pages/layout.js';

// How long one event stream follows a job before the browser reconnects (EventSource does so by itself);
// it reads the job once a second, so a stream costs at most 300 state reads.
const EVENTS_MS = 5 * 60_000;
// Live job streams one caller may hold open at once (security review v2, weak item 42: 300 held 20 MB).
const MAX_STREAMS_PER_CALLER = 8;
const openStreams = new Map<string, number>();

export function jobPages(app: Hono<AppEnv>): void {
  app.get(
    '/console/copy',
    page(
      () => 'Copy',
      async (c) => (
        <CopyForm csrf={csrfToken(c)} source={c.req.query('source') ?? ''} target={c.req.query('target') ?? ''} />
      ),
    ),
  );
  // A copy from the form always runs as a job: its page follows it live, whatever its size.
  app.post(
    '/console/copy',
    action(
      'Copy',
      async (c, caller, form) => {
        const deps = c.var.deps;
        const platforms = formList(form.platforms);
        const tags = formList(form.tags);
        const body = {
          source: (form.source ?? '').trim(),
          target: (form.target ?? '').trim(),
          ...(platforms.length ? { platforms } : {}),
          ...(tags.length ? { tags } : {}),
          wait: false,
        };
        const { request, spec, owner } = authorizeCopy(deps, caller, body);
        // A source that is not there is said here, with the form, before any job exists to fail.
        if (spec.kind === 'image' && !spec.source.digest) await resolveDigest(deps, spec.source);
        const job = await submitCopyJob(deps, request, spec, owner);
        return c.redirect(`/console/jobs/${encodeURIComponent(job.id)}`, 303);
      },
      async (c, form, error) => (
        <CopyForm
          csrf={form.csrf!}
          source={form.source ?? ''}
          target={form.target ?? ''}
          platforms={form.platforms ?? ''}
          tags={form.tags ?? ''}
          problem={await problemWithHint(c.var.deps, error, [(form.source ?? '').trim()])}
        />
      ),
    ),
  );
  app.get(
    '/console/jobs',
    page(
      () => 'Jobs',
      async (c, caller) => {
        const deps = c.var.deps;
        const cursor = c.req.query('cursor');
        const listed = await listJobs(
          deps,
          {},
          { limit: 50, ...(cursor ? { cursor } : {}) },
          jobReader(deps.config.callers, caller),
        );
        return <JobsList jobs={listed.jobs} {...(listed.cursor ? { older: listed.cursor } : {})} />;
      },
    ),
  );
  app.get(
    '/console/jobs/:id',
    page(
      (c) => `Job ${c.req.param('id') ?? ''}`,
      async (c, caller) => (
        <JobPage
          job={await visibleJob(c.var.deps, caller, c.req.param('id')!)}
          csrf={csrfToken(c)}
          now={c.var.deps.now()}
        />
      ),
    ),
  );
  // Server-sent events: the job's record each time it changes, until it finishes.
  app.get('/console/jobs/:id/events', async (c) => {
    const deps = c.var.deps;
    const caller = await consoleCaller(c).catch(() => undefined);
    if (!caller) return c.body(null, 401);
    const id = c.req.param('id');
    await visibleJob(deps, caller, id);
    // Each stream holds a loop for minutes: a caller opens only so many at once (per instance).
    const open = openStreams.get(caller.id) ?? 0;
    if (open >= MAX_STREAMS_PER_CALLER)
      return c.text(`${MAX_STREAMS_PER_CALLER} live job pages are open already: close one`, 429, {
        'retry-after': '5',
      });
    openStreams.set(caller.id, open + 1);
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    const follow = (async () => {
      let last = '';
      const until = deps.now() + EVENTS_MS;
      try {
        while (deps.now() < until) {
          const job = await visibleJob(deps, caller, id);
          // Labels made here, so the page's script formats nothing itself.
          const active = isFinished(job)
            ? []
            : (job.progress.active ?? []).map((a) => ({ ...a, label: activeBlobText(a) }));
          const timing = jobTiming(job, deps.now());
          const text = JSON.stringify({ state: job.state, progress: progressText(job.progress), active, ...timing });
          if (text !== last) await writer.write(new TextEncoder().encode(`event: job\ndata: ${text}\n\n`));
          last = text;
          if (isFinished(job)) break;
          // A real pause, not deps.sleep (which tests shorten to nothing): the job's runner needs the time.
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      } catch {
        // the browser went away, or the job became invisible: the stream just ends
      } finally {
        const left = (openStreams.get(caller.id) ?? 1) - 1;
        if (left > 0) openStreams.set(caller.id, left);
        else openStreams.delete(caller.id);
        await writer.close().catch(() => {});
      }
    })();
    deps.defer(follow);
    return c.body(readable, 200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' });
  });
  app.post(
    '/console/jobs/:id/cancel',
    action('Cancel', async (c, caller) => {
      const job = await cancelVisibleJob(c.var.deps, caller, c.req.param('id')!);
      return c.redirect(`/console/jobs/${encodeURIComponent(job.id)}`, 303);
    }),
  );
}

/** A failure drawn inside the form that caused it: for a missing tag, the repository's nearest tag too. */
export async function problemWithHint(deps: Deps, error: AppError, references: string[]) {
  let hint: string | undefined;
  if (error.code === 'NOT_FOUND')
    for (const reference of references) if ((hint = await nearTag(deps, reference))) break;
  return <Problem code={error.code} detail={error.message} nearTag={hint} />;
}
