/** @jsxImportSource hono/jsx */
// A manifest as the registry stores it, formatted and paged, its digests linked.

import { layerAnchor, manifestUrl } from './image.js';
import { Copyable, Pager, imageUrl, path } from './layout.js';

// Lines of the formatted manifest per page: a very large index stays readable and light.
export const MANIFEST_LINES_PER_PAGE = 1500;
const DIGEST = /sha256:[0-9a-f]{64}/g;

/** Where a digest in a manifest leads: a manifest's own page, or the image page's layer or config. */
function digestTargets(json: unknown): Map<string, 'manifest' | 'config' | 'layer'> {
  const targets = new Map<string, 'manifest' | 'config' | 'layer'>();
  const doc = (json ?? {}) as {
    config?: { digest?: unknown };
    layers?: { digest?: unknown }[];
    manifests?: { digest?: unknown }[];
    subject?: { digest?: unknown };
    blobs?: { digest?: unknown }[];
  };
  const add = (d: unknown, kind: 'manifest' | 'config' | 'layer') =>
    typeof d === 'string' && !targets.has(d) && targets.set(d, kind);
  for (const m of Array.isArray(doc.manifests) ? doc.manifests : []) add(m?.digest, 'manifest');
  add(doc.subject?.digest, 'manifest');
  add(doc.config?.digest, 'config');
  for (const l of [...(Array.isArray(doc.layers) ? doc.layers : []), ...(Array.isArray(doc.blobs) ? doc.blobs : [])])
    add(l?.digest, 'layer');
  return targets;
}

export function RawManifest(props: {
  reference: string;
  repository: string;
  digest: string;
  mediaType: string;
  text: string;
  page: number;
}) {
  let json: unknown;
  let formatted = props.text;
  try {
    json = JSON.parse(props.text);
    formatted = JSON.stringify(json, null, 2);
  } catch {
    // shown as the registry sent it
  }
  const targets = digestTargets(json);
  const lines = formatted.split('\n');
  const pages = Math.max(1, Math.ceil(lines.length / MANIFEST_LINES_PER_PAGE));
  const shown = lines
    .slice((props.page - 1) * MANIFEST_LINES_PER_PAGE, props.page * MANIFEST_LINES_PER_PAGE)
    .join('\n');
  const image = imageUrl(props.reference);
  const link = (digest: string) => {
    const kind = targets.get(digest);
    if (kind === 'manifest') return manifestUrl(`${props.repository}@${digest}`);
    if (kind === 'config') return `${image}#config`;
    if (kind === 'layer') return `${image}#${layerAnchor(digest)}`;
    return undefined;
  };
  const parts: unknown[] = [];
  let at = 0;
  for (const match of shown.matchAll(DIGEST)) {
    parts.push(shown.slice(at, match.index));
    const href = link(match[0]);
    parts.push(href ? <a href={href}>{match[0]}</a> : match[0]);
    at = match.index! + match[0].length;
  }
  parts.push(shown.slice(at));
  return (
    <>
      <dl class="facts">
        <dt>Digest</dt>
        <dd>
          <Copyable value={props.digest} />
        </dd>
        <dt>Media type</dt>
        <dd>{props.mediaType}</dd>
      </dl>
      <p>
        <a href={image}>The image</a> · <a href={`/v1/manifest/${path(props.reference)}`}>The registry's bytes</a> (the
        digest is theirs; shown here formatted)
      </p>
      <pre class="manifest">{parts as never}</pre>
      <Pager page={props.page} pages={pages} href={(page) => `${manifestUrl(props.reference)}?page=${page}`} />
    </>
  );
}
