/** @jsxImportSource hono/jsx */
// Two images side by side: platforms, layers and configuration that differ.

import type { ImageDiff } from '../../../ops/inspect/index.js';
import { size } from './layout.js';

export function Compare(props: { from: string; to: string; diff?: ImageDiff; problem?: unknown }) {
  const diff = props.diff;
  return (
    <>
      {props.problem as never}
      <form method="get" action="/console/compare" class="stacked">
        <label for="from">From</label>
        <input id="from" name="from" value={props.from} placeholder="registry/repository:tag" required />
        <label for="to">To</label>
        <input id="to" name="to" value={props.to} placeholder="registry/repository:tag" required />
        <button type="submit">Compare</button>
      </form>
      {diff ? (
        <section id="diff">
          <p>{diff.identical ? 'Identical: both name one digest.' : `${diff.from.digest} → ${diff.to.digest}`}</p>
          <ul class="platform-changes">
            {diff.platforms.added.map((p) => (
              <li class="added">+ {p}</li>
            ))}
            {diff.platforms.removed.map((p) => (
              <li class="removed">− {p}</li>
            ))}
          </ul>
          {diff.images.map((image) => (
            <section class="platform-diff" data-platform={image.platform}>
              <h2>{image.platform}</h2>
              <p>
                {image.layers.shared.length} layers shared ({size(image.layers.sharedBytes)}),{' '}
                {image.layers.added.length} added ({size(image.layers.addedBytes)}), {image.layers.removed.length}{' '}
                removed ({size(image.layers.removedBytes)})
              </p>
              <ul>
                {image.layers.added.map((l) => (
                  <li class="added">
                    + <code>{l.digest}</code> {size(l.size)}
                  </li>
                ))}
                {image.layers.removed.map((l) => (
                  <li class="removed">
                    − <code>{l.digest}</code> {size(l.size)}
                  </li>
                ))}
                {image.config.env.added.map((e) => (
                  <li class="added">+ env {e}</li>
                ))}
                {image.config.env.removed.map((e) => (
                  <li class="removed">− env {e}</li>
                ))}
                {Object.entries(image.config.labels.changed).map(([k, v]) => (
                  <li class="changed">
                    ~ label {k}: {v.from} → {v.to}
                  </li>
                ))}
                {image.config.entrypoint ? (
                  <li class="changed">
                    ~ entrypoint {JSON.stringify(image.config.entrypoint.from)} →{' '}
                    {JSON.stringify(image.config.entrypoint.to)}
                  </li>
                ) : null}
              </ul>
            </section>
          ))}
        </section>
      ) : null}
    </>
  );
}
