// The referrers an image page shows: those that name the image, grouped, with each signature called one only
// when a promotion rule the caller may use accepts it (its gate, as a promotion would run it).

import type { Deps } from '../../deps.js';
import { isAppError } from '../../errors.js';
import type { PromotionRule } from '../../config/rules.js';
import { repositoryGlob } from '../../glob.js';
import { parseReference } from '../../reference.js';
import { registryClient } from '../registries/index.js';
import { groupedReferrers, markVerified, type GroupedReferrers } from '../referrers.js';
import { resolveDigest } from '../resolve.js';
import { acceptedSignature } from './signatures.js';

// Rules whose signers are tried on one page: each costs the signature reads once more.
const VERIFYING_RULES = 4;

/**
 * What refers to the image `input` names (signatures, SBOMs, attestations, promotion records), grouped; a
 * signature counts as one only when one of `rules` (those the caller may use) accepts it.
 */
export async function imageReferrers(deps: Deps, input: string, rules: PromotionRule[]): Promise<GroupedReferrers> {
  const ref = parseReference(input);
  const client = registryClient(deps, ref.registry);
  const { digest } = await resolveDigest(deps, ref);
  const groups = await groupedReferrers(client, ref.repository, digest);
  const image = `${ref.registry}/${ref.repository}`;
  const verifying = rules.filter((r) => r.verify?.signers?.length && repositoryGlob(r.source.repository).test(image));
  for (const rule of verifying.slice(0, VERIFYING_RULES)) {
    if (!groups.unverified.length) break;
    try {
      const outcome = await acceptedSignature(deps, rule, ref.registry, ref.repository, digest);
      if (outcome) markVerified(groups, ref.repository, { rule: rule.name, ...outcome });
    } catch (error) {
      // A rule that cannot verify (its key unset, the registry refusing) verifies nothing here.
      if (!isAppError(error)) throw error;
    }
  }
  return groups;
}
