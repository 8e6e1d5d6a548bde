// GitHub package events: an HMAC-SHA256 of the raw body under the webhook secret (X-Hub-Signature-256).

import { constantTimeEqual } from '../../../constant-time.js';
import { toHex } from '../../../encoding.js';
import { AppError } from '../../../errors.js';
import { isObject, type PushEvent, type SenderFormat } from '../sender.js';

/**
 * GitHub `package` / `registry_package` events for containers: the published tag and its digest. The
 * event's id is its signed content (package version, digest, tag), not the unsigned X-GitHub-Delivery: a
 * captured body sent again under a new delivery id is the same event.
 */
export function githubEvents(body: unknown): PushEvent[] {
  const b = body as { action?: unknown; package?: GithubPackage; registry_package?: GithubPackage };
  const pkg = b.registry_package ?? b.package;
  if (!isObject(pkg)) throw new AppError('UNKNOWN_EVENT_FORMAT', 'not a GitHub package event');
  if (b.action !== 'published' && b.action !== 'updated') return [];
  // Container metadata is what tells a container version apart: `package_type` is unreliable (GitHub's
  // own example of a docker package says "npm"). An empty tag name is an untagged manifest: nothing to do.
  const version = pkg.package_version;
  const tag = version?.container_metadata?.tag;
  const owner = pkg.owner?.login ?? pkg.namespace;
  if (
    typeof tag?.name !== 'string' ||
    typeof tag.digest !== 'string' ||
    typeof pkg.name !== 'string' ||
    typeof owner !== 'string' ||
    !tag.name ||
    !owner
  )
    return [];
  const id = `github:${String(version?.id ?? '')}:${tag.digest}:${tag.name}`;
  return [{ id, repository: `${owner}/${pkg.name}`.toLowerCase(), tag: tag.name, digest: tag.digest }];
}

interface GithubPackage {
  name?: string;
  namespace?: string;
  package_type?: string;
  owner?: { login?: string };
  package_version?: { id?: number | string; container_metadata?: { tag?: { name?: string; digest?: string } } };
}

async function hmacSha256Hex(secret: string, body: Uint8Array): Promise<string> {
  const usage: KeyUsage[] = ['sign'];
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    usage,
  );
  return toHex(await crypto.subtle.sign('HMAC', key, body as BufferSource));
}

export const github: SenderFormat = {
  async verifyBody(receiver, header, raw) {
    // GitHub signs the raw body: HMAC-SHA256 with the webhook secret, compared in constant time.
    const expected = `sha256=${await hmacSha256Hex(receiver.secret, raw)}`;
    if (!constantTimeEqual(header('x-hub-signature-256'), expected))
      throw new AppError('UNAUTHENTICATED', 'the X-Hub-Signature-256 does not match the body');
  },
  parse: githubEvents,
};
