// Fair job slots: a job runs when its tenant and each registry it reaches have a slot free (and, in one
// process, the process has one), so one tenant's jobs stuck on a registry that never answers hold that
// tenant's and that registry's slots only, never another tenant's. A tenant is who a job runs for: an API
// key's name, an OIDC token's issuer and subject, a webhook job's rule; anonymous callers are one tenant.

import type { JobConcurrency } from '../../config/parse.js';
import { jobRepositories, type JobRecord } from './record.js';

/** The lanes a job runs in: its tenant and the registries it reaches. */
export interface JobLanes {
  tenant: string;
  registries: string[];
}

export function jobLanes(job: JobRecord): JobLanes {
  const tenant =
    job.kind === 'promote' && job.trigger ? `rule:${job.promotion.owner ?? ''}/${job.promotion.rule}` : job.caller;
  const registries = [...new Set(jobRepositories(job).map((r) => r.slice(0, r.indexOf('/'))))].filter(Boolean);
  return { tenant, registries };
}

/** Slots taken, by tenant and by registry: whether a job may start, and the taking and giving back. */
export class FairSlots {
  readonly #limits: JobConcurrency;
  readonly #tenants = new Map<string, number>();
  readonly #registries = new Map<string, number>();
  #total = 0;

  constructor(limits: JobConcurrency) {
    this.#limits = limits;
  }

  free(lanes: JobLanes): boolean {
    return (
      this.#total < this.#limits.total &&
      (this.#tenants.get(lanes.tenant) ?? 0) < this.#limits.perTenant &&
      lanes.registries.every((r) => (this.#registries.get(r) ?? 0) < this.#limits.perRegistry)
    );
  }

  take(lanes: JobLanes): void {
    this.#total++;
    this.#tenants.set(lanes.tenant, (this.#tenants.get(lanes.tenant) ?? 0) + 1);
    for (const r of lanes.registries) this.#registries.set(r, (this.#registries.get(r) ?? 0) + 1);
  }

  give(lanes: JobLanes): void {
    this.#total--;
    const drop = (map: Map<string, number>, key: string) => {
      const left = (map.get(key) ?? 1) - 1;
      if (left > 0) map.set(key, left);
      else map.delete(key);
    };
    drop(this.#tenants, lanes.tenant);
    for (const r of lanes.registries) drop(this.#registries, r);
  }
}
