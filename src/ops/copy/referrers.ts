// Signatures, attestations and SBOMs travel with an image: cosign's `sha256-<hex>.sig/.att/.sbom` tags as
// tags, and OCI referrers by digest (made findable at the target: its referrers API, or the tag fallback),
// and, in turn, what refers to each of those (the signature of an SBOM).

import type { Deps } from '../../deps.js';
import type { ImageReference, RepositoryName } from '../../reference.js';
import { referrersNaming, referrersTag } from '../referrers.js';
import { registryClient } from '../registries/index.js';
import type { CopyReporter, CopyResult } from './events.js';
import { copySingle } from './image.js';
import { imageCopySpec, type ImageCopySpec, type ReferrerSelection } from './request.js';

// cosign's tags, and the artifact type cosign gives the same thing as an OCI referrer: a filter names one.
const COSIGN_TAGS = [
  { suffix: '.sig', artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json' },
  { suffix: '.att', artifactType: 'application/vnd.dev.cosign.artifact.att.v1+json' },
  { suffix: '.sbom', artifactType: 'application/vnd.dev.cosign.artifact.sbom.v1+json' },
];

// Referrers of referrers followed this deep: a signature of an SBOM of an image is two.
const MAX_DEPTH = 3;

/**
 * Copies what refers to `digest` in the source repository to the target repository, recursively, and
 * answers the digests it copied. What is at the target already is skipped by the copy itself.
 */
export async function copyReferrers(
  deps: Deps,
  source: RepositoryName,
  digest: string,
  target: RepositoryName,
  reporter: CopyReporter,
  selection: ReferrerSelection = {},
): Promise<string[]> {
  const client = registryClient(deps, source.registry);
  const wanted = (type: string | undefined) =>
    !selection.artifactTypes || (type !== undefined && selection.artifactTypes.includes(type));
  // Only where it is: a reference's own tag or digest must not ride along into the referrers' references.
  const from = { registry: source.registry, repository: source.repository };
  const copied: string[] = [];
  const seen = new Set([digest]);
  const copy = async (reference: ImageReference, tags: string[]) => {
    const result = await copySingle(deps, imageCopySpec(reference, target, tags), reporter);
    copied.push(result.digest);
    return result.digest;
  };
  let subjects = [digest];
  for (let depth = 0; depth < MAX_DEPTH && subjects.length; depth++) {
    const next: string[] = [];
    for (const subject of subjects) {
      for (const { suffix, artifactType } of COSIGN_TAGS) {
        const tag = `${referrersTag(subject)}${suffix}`;
        if (!wanted(artifactType) || !(await client.headManifest(source.repository, tag))) continue;
        const found = await copy({ ...from, tag }, [tag]);
        if (!seen.has(found)) (next.push(found), seen.add(found));
      }
      for (const referrer of await referrersNaming(client, source.repository, subject)) {
        if (seen.has(referrer.digest) || !wanted(referrer.artifactType)) continue;
        seen.add(referrer.digest);
        next.push(await copy({ ...from, digest: referrer.digest }, []));
      }
    }
    subjects = next;
  }
  return copied;
}

/**
 * A copy's result with the referrers the spec asked for copied too. A platform subset is a new index with a
 * digest of its own: what refers to the source's names the source, so nothing is copied, and the result says so.
 */
export async function withReferrers(
  deps: Deps,
  spec: ImageCopySpec,
  result: CopyResult,
  reporter: CopyReporter,
): Promise<CopyResult> {
  if (!spec.referrers) return result;
  const sourceDigest = result.source.slice(result.source.lastIndexOf('@') + 1);
  if (sourceDigest !== result.digest) return { ...result, referrers: { copied: [], skipped: DIGEST_CHANGED } };
  const copied = await copyReferrers(deps, spec.source, result.digest, spec.target, reporter, spec.referrers);
  return { ...result, referrers: { copied } };
}

const DIGEST_CHANGED =
  "the target's digest is not the source's (a platform subset): the source's referrers name the source's digest";
