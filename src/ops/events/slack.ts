// A Slack incoming webhook's message for an event: what happened, to what, and a link to its job's page.

import type { Deps } from '../../deps.js';
import type { CloudEvent } from './cloud-event.js';

export function slackMessage(deps: Deps, event: CloudEvent): { text: string } {
  const [, , kind = 'event', outcome = ''] = event.type.split('.');
  const data = event.data as { code?: string; message?: string; job?: string; target?: string; source?: string };
  const what = [data.source, data.target].filter(Boolean).join(' -> ') || event.subject || '';
  const why = data.code ? ` (${data.code}${data.message ? `: ${data.message.slice(0, 300)}` : ''})` : '';
  const base = deps.config.events.consoleUrl;
  const link = data.job && base ? ` <${new URL(`/console/jobs/${encodeURIComponent(data.job)}`, base)}|job>` : '';
  return { text: `Ferry: ${kind} ${outcome} ${what}${why}${link}` };
}
