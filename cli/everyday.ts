// The everyday verbs of crane and skopeo users: digest (crane digest), tag (crane tag: a new name, no byte
// moved) and delete (crane delete, regctl tag rm), each one request of Ferry's API.

import { parseReference } from '../src/reference.js';
import { encodePath, json, withoutTransport, type Output } from './api.js';
import { UsageError, type Parsed } from './usage.js';

export async function digest(connection: Parameters<typeof json>[0], parsed: Parsed, output: Output): Promise<number> {
  const reference = withoutTransport(parsed.positionals[0]!);
  parseReference(reference);
  const platform = parsed.values.platform as string | undefined;
  const query = platform ? `?${new URLSearchParams({ platform })}` : '';
  const image = await json(connection, 'GET', `/v1/inspect/${encodePath(reference)}${query}`);
  output.out(output.style === 'json' ? `${JSON.stringify({ digest: image.digest })}\n` : `${image.digest}\n`);
  return 0;
}

export async function tag(connection: Parameters<typeof json>[0], parsed: Parsed, output: Output): Promise<number> {
  const [source, ...tags] = parsed.positionals.map(withoutTransport) as [string, ...string[]];
  parseReference(source);
  // crane tag takes the new tag alone; a full reference in its place must name the same repository.
  const named = tags.map((t) => {
    if (!t.includes('/') && !t.includes('@')) {
      if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(t))
        throw new UsageError(`tag: "${t}" is no tag (up to 128 of A-Z a-z 0-9 _ . -, not starting with . or -)`);
      return t;
    }
    throw new UsageError(`tag: give the new tag alone ("stable"), not "${t}": it is written in ${source}'s repository`);
  });
  const tagged = await json(connection, 'POST', '/v1/tag', { source, tags: named });
  if (output.style === 'json') output.out(`${JSON.stringify(tagged)}\n`);
  else if (output.style !== 'quiet') output.out(`${tagged.target}@${tagged.digest} tagged ${tagged.tags.join(', ')}\n`);
  return 0;
}

export async function remove(connection: Parameters<typeof json>[0], parsed: Parsed, output: Output): Promise<number> {
  const reference = withoutTransport(parsed.positionals[0]!);
  parseReference(reference);
  const deleted = await json(connection, 'DELETE', `/v1/manifest/${encodePath(reference)}`);
  if (output.style === 'json') output.out(`${JSON.stringify(deleted)}\n`);
  else if (output.style !== 'quiet') output.out(`deleted ${deleted.reference} (${deleted.digest})\n`);
  return 0;
}
