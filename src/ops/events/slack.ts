// A Slack incoming webhook's message for an event: what happened, to what, and a link to its page in the
// console (the job's, or the sync set's). Text from elsewhere (names, a registry's error message) is escaped as
// Slack asks (&, <, >), so it cannot make a link or a mention of its own.

import type { Deps } from '../../deps.js';
import type { CloudEvent } from './cloud-event.js';

interface EventData {
  code?: string;
  message?: string;
  job?: string;
  target?: string;
  source?: string;
  set?: string;
  counts?: { copied: number; failed: number };
}

const escaped = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A link to a console page, in Slack's syntax; none without `events.consoleUrl`. */
function link(deps: Deps, path: string, label: string): string {
  const base = deps.config.events.consoleUrl;
  return base ? ` <${new URL(path, base)}|${label}>` : '';
}

export function slackMessage(deps: Deps, event: CloudEvent): { text: string } {
  const [, , kind = 'event', outcome = ''] = event.type.split('.');
  const data = event.data as EventData;
  const what =
    kind === 'sync' && data.set && data.counts
      ? `${data.set}: ${data.counts.copied} copied, ${data.counts.failed} failed`
      : [data.source, data.target].filter(Boolean).join(' -> ') || event.subject || '';
  const why = data.code ? ` (${data.code}${data.message ? `: ${data.message.slice(0, 300)}` : ''})` : '';
  const page =
    kind === 'sync' && data.set
      ? link(deps, `/console/syncs/${encodeURIComponent(data.set)}`, 'sync set')
      : data.job
        ? link(deps, `/console/jobs/${encodeURIComponent(data.job)}`, 'job')
        : '';
  return { text: `Ferry: ${kind} ${outcome} ${escaped(what + why)}${page}` };
}
