// Images for the benchmark and the load test: two platforms of uncompressed random layers, written
// straight to an OCI layout.

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { OciLayout, OCI_LAYER_TAR, tarHeader, type Descriptor } from '../test/support/oci-layout.js';

export interface ImageSpec {
  name: string;
  layers: number;
  layerSize: number;
}

export function buildImage(root: string, spec: ImageSpec): string {
  const layout = new OciLayout(join(root, spec.name));
  const platforms = [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
  ];
  const manifests: Descriptor[] = platforms.map((platform) => {
    const layers = Array.from({ length: spec.layers }, () => {
      const data = randomBytes(spec.layerSize);
      const tar = Buffer.concat([
        tarHeader('data', data.length),
        data,
        Buffer.alloc((512 - (data.length % 512)) % 512),
        Buffer.alloc(1024),
      ]);
      const descriptor = layout.blob(tar, OCI_LAYER_TAR);
      return { descriptor, diffId: descriptor.digest };
    });
    return layout.image({ platform, layers });
  });
  layout.tag(layout.index(manifests), 'v1');
  return layout.dir;
}
