// Pulls through the registry front, audited: one record per caller, image and tag (a client resolving a
// tag asks for its manifest several times, and its children by digest), not per request nor per blob.

import type { Deps } from '../../deps.js';
import { recordKeys } from '../../kv/records.js';
import { recordAudit } from '../audit.js';
import type { FrontName } from './names.js';

// A caller pulling the same tag again within this time adds no record (KV remembers, best-effort).
const PULL_AUDIT_WINDOW_SECONDS = 600;

/** Records that `caller` pulled `tag` (now `digest`) of `name`, unless it did so lately. */
export async function auditPull(deps: Deps, caller: string, name: FrontName, tag: string, digest: string) {
  const key = recordKeys.pullAudited(caller, name.registry, name.repository, tag, digest);
  if (await deps.kv.get(key).catch(() => null)) return;
  await deps.kv.put(key, '1', { ttlSeconds: PULL_AUDIT_WINDOW_SECONDS }).catch(() => undefined);
  await recordAudit(deps, {
    caller,
    action: 'pull',
    source: `${name.registry}/${name.repository}:${tag}`,
    sourceDigest: digest,
    outcome: 'ok',
  });
}
