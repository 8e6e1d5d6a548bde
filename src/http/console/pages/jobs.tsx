/** @jsxImportSource hono/jsx */
// Copies started from the console, and jobs: one with its live progress, and the list.

import {
  isFinished,
  type ActiveBlob,
  type JobProgress,
  type JobRecord,
  type JobSummary,
  type BatchedCopyResult,
} from '../../../ops/jobs/index.js';
import { Columns, imageUrl, Problem, size } from './layout.js';

/** One of the copy form's comma-separated fields (platforms, tags), its items trimmed. */
export const formList = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

export function CopyForm(props: {
  csrf: string;
  source: string;
  target: string;
  platforms?: string;
  tags?: string;
  /** A failure of the copy just sent, shown above the form it left filled in. */
  problem?: unknown;
}) {
  return (
    <>
      {props.problem as never}
      <form method="post" action="/console/copy" class="stacked">
        <input type="hidden" name="csrf" value={props.csrf} />
        <label for="source">Source</label>
        <input id="source" name="source" value={props.source} placeholder="registry/repository:tag" required />
        <label for="target">Target</label>
        <input id="target" name="target" value={props.target} placeholder="registry/repository[:tag]" required />
        <label for="platforms">Platforms (comma-separated; empty: all)</label>
        <input id="platforms" name="platforms" value={props.platforms ?? ''} placeholder="linux/amd64, linux/arm64" />
        <label for="tags">Extra tags (comma-separated)</label>
        <input id="tags" name="tags" value={props.tags ?? ''} placeholder="latest, stable" />
        <button type="submit">Copy</button>
      </form>
    </>
  );
}

interface JobView {
  id: string;
  kind: string;
  state: JobRecord['state'];
  createdAt: string;
  updatedAt: string;
  progress: JobProgress;
  request?: { source: string; target: string };
  promotion?: { source: string; rule: string };
  trigger?: { receiver: string; delivery?: string };
  runs?: number;
  result?: unknown;
  error?: { code: string; message: string; blob?: string };
}

/** "3/8 blobs, 1.2 MiB of 4.0 MiB": the job page's line, here and in its live updates (routes.tsx). */
export function progressText(progress: JobProgress): string {
  if (progress.batchesTotal) return `${progress.batchesDone ?? 0}/${progress.batchesTotal} batches`;
  const bytes = progress.bytesTotal ? `, ${size(progress.bytesDone ?? 0)} of ${size(progress.bytesTotal)}` : '';
  return `${progress.blobsDone}/${progress.blobsTotal} blobs${bytes}`;
}

/**
 * The job's bar, time and rate, as its page and its live events show them: bytes when the job counts them,
 * else blobs; a finished job's time is from its creation to its last update.
 */
export function jobTiming(job: Pick<JobView, 'state' | 'createdAt' | 'updatedAt' | 'progress'>, now: number) {
  const p = job.progress;
  const finished = isFinished(job as JobRecord);
  const [value, max] = p.bytesTotal ? [p.bytesDone ?? 0, p.bytesTotal] : [p.blobsDone, p.blobsTotal];
  const seconds = Math.max(0, ((finished ? Date.parse(job.updatedAt) : now) - Date.parse(job.createdAt)) / 1000);
  const bar = max > 0 ? { value: Math.min(value, max), max } : { value: job.state === 'done' ? 1 : 0, max: 1 };
  return {
    bar,
    elapsed: `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`,
    rate: `${size(seconds > 0 ? Math.round((p.bytesDone ?? 0) / seconds) : 0)}/s`,
  };
}

/** An image a copy or promotion wrote: `target@digest`, linked to its page, and its tags. */
export function WrittenImage(props: { target: string; digest: string; tags: string[] }) {
  return (
    <p class="result">
      <a class="result-link" href={imageUrl(`${props.target}@${props.digest}`)}>
        <code>
          {props.target}@{props.digest}
        </code>
      </a>{' '}
      {props.tags.length ? `tagged ${props.tags.join(', ')}` : '(untagged)'}
    </p>
  );
}

/** The backup tags a promotion made and removed (none: nothing shown). */
export function BackupTags(props: { created: string[]; removed: string[] }) {
  if (!props.created.length && !props.removed.length) return null;
  return (
    <p class="backups">
      {props.created.length ? `Backup tags made: ${props.created.join(', ')}. ` : ''}
      {props.removed.length ? `Older backups removed: ${props.removed.join(', ')}.` : ''}
    </p>
  );
}

/** One moving blob's label: "sha256:0123abcd… 512.0 KiB of 3.0 MiB". */
export const activeBlobText = (a: ActiveBlob) => `${a.blob.slice(0, 19)}… ${size(a.bytes)} of ${size(a.size)}`;

export function JobPage(props: { job: JobView; csrf: string; now: number }) {
  const job = props.job;
  const timing = jobTiming(job, props.now);
  // A job run in batches keeps counts; each tag's result is its batch's (its own job page).
  const counts = job.result && 'counts' in (job.result as object) ? (job.result as BatchedCopyResult) : undefined;
  const results =
    !job.result || counts
      ? []
      : 'results' in (job.result as object)
        ? (job.result as { results: { target: string; digest: string; tags: string[] }[] }).results
        : [job.result as { target: string; digest: string; tags: string[] }];
  // A promotion's outcome names the backup tags it made and removed.
  const backups = (job.result as { backups?: { created: string[]; removed: string[] } } | undefined)?.backups;
  return (
    <section id="job" data-events={isFinished(job) ? undefined : `/console/jobs/${encodeURIComponent(job.id)}/events`}>
      <dl class="facts">
        <dt>Job</dt>
        <dd>
          <code>{job.id}</code>
        </dd>
        <dt>Kind</dt>
        <dd>{job.kind}</dd>
        {job.promotion ? (
          <>
            <dt>Promotion</dt>
            <dd>
              rule <code>{job.promotion.rule}</code> of <code>{job.promotion.source}</code>
            </dd>
          </>
        ) : job.request ? (
          <>
            <dt>Copy</dt>
            <dd>
              <code>{job.request.source}</code> → <code>{job.request.target}</code>
            </dd>
          </>
        ) : null}
        {job.trigger ? (
          <>
            <dt>Triggered by</dt>
            <dd>
              webhook <code>{job.trigger.receiver}</code>
              {job.trigger.delivery ? (
                <>
                  , delivery <code>{job.trigger.delivery}</code>
                </>
              ) : null}
            </dd>
          </>
        ) : null}
        <dt>State</dt>
        <dd id="job-state">{job.state}</dd>
        <dt>Progress</dt>
        <dd>
          <progress id="job-bar" max={timing.bar.max} value={timing.bar.value} aria-label="job progress" />{' '}
          <span id="job-progress">{progressText(job.progress)}</span>
        </dd>
        <dt>Elapsed</dt>
        <dd id="job-elapsed">{timing.elapsed}</dd>
        <dt>Rate</dt>
        <dd id="job-rate">{timing.rate}</dd>
        <dt>Created</dt>
        <dd>{job.createdAt}</dd>
        <dt>Updated</dt>
        <dd id="job-updated">{job.updatedAt}</dd>
        <dt>Runs</dt>
        <dd>{(job.runs ?? 0) > 1 ? `${job.runs} (resumed after its runner stopped)` : String(job.runs ?? 0)}</dd>
      </dl>
      <ul id="job-blobs" aria-label="Blobs moving now">
        {isFinished(job)
          ? null
          : (job.progress.active ?? []).map((a) => (
              <li>
                <progress max={a.size} value={a.bytes} aria-label={`blob ${a.blob}`}></progress>{' '}
                <code>{activeBlobText(a)}</code>
              </li>
            ))}
      </ul>
      {counts ? (
        <p class="result">
          {counts.counts.copied} of {counts.counts.tags} tags copied, {counts.counts.failed} failed, in{' '}
          {counts.batches.length} batches:{' '}
          {counts.batches.map((id) => (
            <>
              <a href={`/console/jobs/${encodeURIComponent(id)}`}>{id.slice(id.lastIndexOf('_'))}</a>{' '}
            </>
          ))}
        </p>
      ) : null}
      {results.map((r) => (
        <WrittenImage {...r} />
      ))}
      {backups ? <BackupTags {...backups} /> : null}
      {job.error ? (
        <Problem
          code={job.error.code}
          detail={
            job.error.blob && !job.error.message.includes(job.error.blob)
              ? `${job.error.message} (blob ${job.error.blob})`
              : job.error.message
          }
        />
      ) : null}
      {isFinished(job) ? null : (
        <form method="post" action={`/console/jobs/${encodeURIComponent(job.id)}/cancel`}>
          <input type="hidden" name="csrf" value={props.csrf} />
          <button type="submit">Cancel job</button>
        </form>
      )}
    </section>
  );
}

export function JobsList(props: { jobs: JobSummary[]; older?: string }) {
  return (
    <>
      <table id="jobs">
        <caption>Jobs you may see, newest first</caption>
        <Columns names={['Job', 'Kind', 'State', 'What', 'Updated']} />
        <tbody>
          {props.jobs.map((job) => (
            <tr>
              <td>
                <a href={`/console/jobs/${encodeURIComponent(job.id)}`}>{job.id}</a>
              </td>
              <td>{job.kind}</td>
              <td>{job.state}</td>
              <td>
                {job.promotion ? (
                  <>
                    rule <code>{job.promotion.rule}</code> of <code>{job.promotion.source}</code>
                  </>
                ) : job.request ? (
                  <>
                    <code>{job.request.source}</code> → <code>{job.request.target}</code>
                  </>
                ) : null}
              </td>
              <td>{job.updatedAt}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.older ? <a href={`/console/jobs?cursor=${encodeURIComponent(props.older)}`}>Older jobs</a> : null}
    </>
  );
}
