// The registry carries the audit trail too: after a promotion, an OCI artifact whose `subject` is the
// promoted digest records who or what triggered it, from where, by which rule and when. Registries without
// the referrers API (distribution 2.8) find it through the `sha256-<hex>` tag fallback index (OCI 1.1).

import type { Deps } from '../../deps.js';
import type { PromotionRecords } from '../../config/rules.js';
import type { SignatureOutcome } from '../../signatures/found.js';
import type { RegistryClient } from '../../registry/client.js';
import { registryClient } from '../registries/index.js';
import { computeDigest } from '../../registry/digest.js';
import { BlobUploader } from '../../registry/upload.js';
import { indexReferrers } from '../referrers.js';

export const PROMOTION_ARTIFACT_TYPE = 'application/vnd.ferry.promotion.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const EMPTY_CONFIG = { mediaType: 'application/vnd.oci.empty.v1+json', bytes: new TextEncoder().encode('{}') };

export interface PromotionRecord {
  rule: string;
  source: string;
  digest: string;
  target: string;
  tags: string[];
  trigger: string;
  at: string;
  /** The signature (and attestations) the rule's gate accepted. */
  verified?: { signature?: SignatureOutcome; attestations: SignatureOutcome[] };
}

async function pushBlob(client: RegistryClient, repository: string, bytes: Uint8Array): Promise<string> {
  const digest = await computeDigest(bytes);
  if (await client.headBlob(repository, digest, { primary: true })) return digest;
  const uploader = new BlobUploader(client, repository);
  const session = await uploader.start();
  await uploader.putMonolithic(session, digest, bytes.byteLength, new Blob([bytes as BlobPart]).stream());
  return digest;
}

/**
 * Pushes the record artifact into the target repository and makes it findable as a referrer: with `auto`, only
 * where the registry has the referrers API (the tag fallback would add a `sha256-<hex>` tag to production
 * repositories); with `always` there too; with `off`, never. Its digest, or undefined when none was pushed.
 */
export async function pushPromotionRecord(
  deps: Deps,
  mode: PromotionRecords,
  target: string,
  subject: { digest: string; mediaType: string; size: number },
  record: PromotionRecord,
): Promise<string | undefined> {
  if (mode === 'off') return undefined;
  const slash = target.indexOf('/');
  const client = registryClient(deps, target.slice(0, slash));
  const repository = target.slice(slash + 1);
  if (mode === 'auto' && (await client.referrers(repository, subject.digest, { primary: true })) === null)
    return undefined;
  const recordBytes = new TextEncoder().encode(JSON.stringify(record));
  const configDigest = await pushBlob(client, repository, EMPTY_CONFIG.bytes);
  const layerDigest = await pushBlob(client, repository, recordBytes);
  const annotations = {
    'org.opencontainers.image.created': record.at,
    'dev.ferry.promotion.rule': record.rule,
    'dev.ferry.promotion.trigger': record.trigger,
  };
  const manifest = new TextEncoder().encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: PROMOTION_ARTIFACT_TYPE,
      config: { mediaType: EMPTY_CONFIG.mediaType, digest: configDigest, size: EMPTY_CONFIG.bytes.byteLength },
      layers: [{ mediaType: PROMOTION_ARTIFACT_TYPE, digest: layerDigest, size: recordBytes.byteLength }],
      subject,
      annotations,
    }),
  );
  const manifestDigest = await computeDigest(manifest);
  await client.putManifest(repository, manifestDigest, manifest, OCI_MANIFEST);

  await indexReferrers(client, repository, subject.digest, [
    {
      mediaType: OCI_MANIFEST,
      digest: manifestDigest,
      size: manifest.byteLength,
      artifactType: PROMOTION_ARTIFACT_TYPE,
      annotations,
    },
  ]);
  return manifestDigest;
}
