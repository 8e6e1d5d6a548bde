// Small images, each of a digest of its own, pushed over the registry API: many tags in little time.

import { pushBlob, pushManifest } from './cosign-signing.js';

const text = (s: string) => new TextEncoder().encode(s);

/**
 * Pushes an image of its own digest (its config and layer name it) to `host`/`repository`:`tag`; `created`
 * goes into its config.
 */
export async function pushSmallImage(host: string, repository: string, tag: string, created?: string) {
  const config = text(
    JSON.stringify({ architecture: 'amd64', os: 'linux', tag, at: repository, ...(created ? { created } : {}) }),
  );
  const layer = text(`layer of ${repository}:${tag}`);
  return pushManifest(host, repository, tag, {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: await pushBlob(host, repository, config),
      size: config.byteLength,
    },
    layers: [
      {
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest: await pushBlob(host, repository, layer),
        size: layer.byteLength,
      },
    ],
  });
}
