// Repositories a cloud registry wants created before the first push (ECR: a push to a missing repository
// fails): created once when the entry asks for it (`aws.createRepositories`), remembered per instance,
// and audited with who the copy was for. Any write to the repository already needed `copy` on it.

import type { FerryConfig } from '../../../config/parse.js';
import type { Deps } from '../../../deps.js';
import { recordAudit } from '../../audit.js';
import { createEcrRepository } from './aws.js';

const known = new WeakMap<FerryConfig, Set<string>>();

export async function ensureRepository(
  deps: Deps,
  registryKey: string,
  repository: string,
  actor: string,
): Promise<void> {
  const cloud = deps.config.registries.get(registryKey)?.cloud;
  if (cloud?.kind !== 'aws' || !cloud.createRepositories) return;
  let seen = known.get(deps.config);
  if (!seen) known.set(deps.config, (seen = new Set()));
  const name = `${registryKey}/${repository}`;
  if (seen.has(name)) return;
  const outcome = await createEcrRepository(deps, registryKey, cloud, repository);
  seen.add(name);
  if (outcome === 'created')
    await recordAudit(deps, {
      caller: actor,
      action: 'registry.create-repository',
      target: name,
      repositories: [name],
      outcome: 'ok',
    });
}
