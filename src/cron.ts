// Cron schedules (croner: the five fields of cron, or six with seconds first), read in UTC. Workers' trigger
// fires once a minute, so a schedule finer than a minute runs at most once a minute there.

import { Cron } from 'croner';

const parse = (pattern: string) => new Cron(pattern, { timezone: 'UTC', paused: true });

/** Why `pattern` is no schedule, or undefined when it is one. */
export function cronProblem(pattern: string): string | undefined {
  try {
    parse(pattern);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message.replace(/^CronPattern: /, '') : 'not a cron schedule';
  }
}

/** The first time the schedule names after `after` (epoch ms), or undefined when it names none. */
export function nextCronTime(pattern: string, after: number): number | undefined {
  return parse(pattern).nextRun(new Date(after))?.getTime();
}
