// Parses image references with Docker's rules (distribution/reference) and normalises Docker Hub names.

import { AppError } from './errors.js';

export interface ImageReference {
  /** Registry key: lowercase host[:port]; Docker Hub is registry-1.docker.io. */
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export interface RepositoryName {
  registry: string;
  repository: string;
}

// Docker Hub is spelled several ways; its API lives on registry-1.docker.io.
export const DOCKER_HUB = 'registry-1.docker.io';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', DOCKER_HUB]);

/** The registry key of a host as written anywhere (config, globs, receivers, references). */
export function normalizeRegistryHost(host: string): string {
  const lower = host.toLowerCase();
  return DOCKER_HUB_ALIASES.has(lower) ? DOCKER_HUB : lower;
}
export const DEFAULT_TAG = 'latest';
// distribution/reference: NameTotalLengthMax.
const NAME_TOTAL_LENGTH_MAX = 255;

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_NAME =
  /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*$/;
const IPV6_DOMAIN = /^\[[a-fA-F0-9:.]+\]$/;
const PORT = /^[0-9]{1,5}$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha512: 128 };

function invalid(input: string, why: string): never {
  throw new AppError('INVALID_REFERENCE', `invalid reference "${truncate(input)}": ${why}`);
}

function truncate(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

export function validateDigest(digest: string, input = digest): string {
  if (!DIGEST.test(digest)) invalid(input, 'digest must look like "sha256:<64 hex>"');
  const [algorithm, hex] = digest.split(':') as [string, string];
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length === undefined) invalid(input, `unsupported digest algorithm "${algorithm}"`);
  if (hex.length !== length || !/^[a-f0-9]+$/.test(hex))
    invalid(input, `${algorithm} digest needs ${length} lowercase hex characters`);
  return digest;
}

function isDomain(candidate: string): boolean {
  const colon = candidate.startsWith('[') ? candidate.indexOf(']:') + 1 : candidate.lastIndexOf(':');
  const host = colon > 0 ? candidate.slice(0, colon) : candidate;
  const port = colon > 0 ? candidate.slice(colon + 1) : undefined;
  if (port !== undefined && !PORT.test(port)) return false;
  return DOMAIN_NAME.test(host) || IPV6_DOMAIN.test(host);
}

/** Splits "name" into registry and repository with Docker's domain rules. */
function splitName(input: string, name: string): RepositoryName {
  if (name === '') invalid(input, 'repository name is empty');
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  // Docker: the first component is a registry only if it has "." or ":", is "localhost", or has upper case.
  const hasDomain = slash !== -1 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first);
  const registry = normalizeRegistryHost(hasDomain ? first : 'docker.io');
  let repository = hasDomain ? name.slice(slash + 1) : name;
  if (hasDomain && !isDomain(first)) invalid(input, `"${first}" is not a valid registry host[:port]`);
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  if (repository === '') invalid(input, 'repository name is empty');
  if (repository.toLowerCase() !== repository) invalid(input, 'repository name must be lowercase');
  for (const component of repository.split('/')) {
    if (!PATH_COMPONENT.test(component)) {
      invalid(
        input,
        component === ''
          ? 'repository has an empty path component'
          : `repository component "${component}" has invalid characters`,
      );
    }
  }
  // Docker measures the normalised name ("docker.io/library/x", not the API host).
  const measured = `${hasDomain ? first : 'docker.io'}/${repository}`;
  if (measured.length > NAME_TOTAL_LENGTH_MAX) {
    invalid(input, `repository name must not be longer than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  return { registry, repository };
}

/**
 * Parses "[registry/]repository[:tag][@digest]"; without tag or digest the tag is "latest", as Docker reads
 * it, unless `defaultTag` is false: then the reference says only what the text named (a copy's target
 * without a tag takes the source's).
 */
export function parseReference(input: string, options: { defaultTag?: boolean } = {}): ImageReference {
  if (typeof input !== 'string' || input.trim() === '') invalid(String(input), 'reference is empty');
  if (/\s/.test(input)) invalid(input, 'reference contains whitespace');
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = validateDigest(rest.slice(at + 1), input);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (tag === '') invalid(input, 'tag is empty');
    if (tag.length > 128) invalid(input, 'tag must not be longer than 128 characters');
    if (!TAG.test(tag)) invalid(input, `tag "${truncate(tag)}" has invalid characters`);
  }
  const name = splitName(input, rest);
  if (tag === undefined && digest === undefined && options.defaultTag !== false) tag = DEFAULT_TAG;
  return { ...name, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** Parses a repository name with no tag or digest ("[registry/]repository"). */
export function parseRepositoryName(input: string): RepositoryName {
  if (typeof input !== 'string' || input.trim() === '') invalid(String(input), 'repository name is empty');
  if (input.includes('@')) invalid(input, 'expected a repository name without a digest');
  const colon = input.lastIndexOf(':');
  if (colon > input.lastIndexOf('/')) invalid(input, 'expected a repository name without a tag');
  return splitName(input, input);
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

/** A digest of a known algorithm with its exact lowercase-hex length. */
export function isValidDigest(digest: string): boolean {
  if (!DIGEST.test(digest)) return false;
  const [algorithm, hex] = digest.split(':') as [string, string];
  return hex.length === DIGEST_HEX_LENGTH[algorithm] && /^[a-f0-9]+$/.test(hex);
}

export function formatReference(ref: ImageReference): string {
  const tag = ref.tag === undefined ? '' : `:${ref.tag}`;
  const digest = ref.digest === undefined ? '' : `@${ref.digest}`;
  return `${ref.registry}/${ref.repository}${tag}${digest}`;
}
