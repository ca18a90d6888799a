/**
 * reference — image references normalised the way Docker does it, so that `busybox`,
 * `library/busybox` and `docker.io/library/busybox:latest` name the same image.
 * Pure: the grammar of distribution/reference, with one-line errors naming the bad part.
 * @pure
 */
import { invalid } from '../core/errors.js';
import { parseDigest } from './digest.js';

export const DEFAULT_DOMAIN = 'docker.io';
export const DEFAULT_TAG = 'latest';

export interface ImageReference {
  /** Registry host, with :port when given ("docker.io", "127.0.0.1:5000"). */
  domain: string;
  /** Repository path inside the registry ("library/busybox"). */
  path: string;
  /** Tag; "latest" when neither tag nor digest was given. */
  tag?: string | undefined;
  /** "sha256:<64 hex>" when pinned by digest. */
  digest?: string | undefined;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DOMAIN = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:]+\])(?::[0-9]{1,5})?$/;

/** parseReference — NAME[:TAG][@DIGEST] → normalised reference (tag "latest" if none). */
export function parseReference(text: string): ImageReference {
  if (text.length === 0) throw invalid('image reference is empty');
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = parseDigest(rest.slice(at + 1), `image reference "${text}"`);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(`image reference "${text}": bad tag "${tag}" (letters, digits, _ . -, at most 128)`);
  }
  const { domain, path } = splitDomain(rest, text);
  if (`${domain}/${path}`.length > 255) throw invalid(`image reference "${text}": name longer than 255 characters`);
  return { domain, path, tag: tag ?? (digest ? undefined : DEFAULT_TAG), digest };
}

function splitDomain(name: string, text: string): { domain: string; path: string } {
  if (name.length === 0) throw invalid(`image reference "${text}" has no repository name`);
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  let domain = DEFAULT_DOMAIN;
  let path = name;
  if (first && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())) {
    if (!DOMAIN.test(first)) throw invalid(`image reference "${text}": bad registry host "${first}"`);
    domain = first;
    path = name.slice(slash + 1);
  }
  if (domain === 'index.docker.io') domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = `library/${path}`;
  for (const c of path.split('/')) {
    if (c !== c.toLowerCase()) throw invalid(`image reference "${text}": repository name must be lowercase`);
    if (!COMPONENT.test(c)) throw invalid(`image reference "${text}": bad repository component "${c}"`);
  }
  return { domain, path };
}

/** repositoryName — "docker.io/library/busybox": the key tags and pushes are stored under. */
export function repositoryName(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** formatReference — the fully qualified string: domain/path[:tag][@digest]. */
export function formatReference(ref: ImageReference): string {
  return `${repositoryName(ref)}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** familiarName — what users type and `tsnet images` shows: "busybox", "127.0.0.1:5000/x". */
export function familiarName(repository: string): string {
  if (repository.startsWith(`${DEFAULT_DOMAIN}/library/`) && repository.split('/').length === 3) {
    return repository.slice(`${DEFAULT_DOMAIN}/library/`.length);
  }
  if (repository.startsWith(`${DEFAULT_DOMAIN}/`)) return repository.slice(DEFAULT_DOMAIN.length + 1);
  return repository;
}

/** isLoopbackRegistry — plain HTTP is allowed for these without --insecure. */
export function isLoopbackRegistry(domain: string): boolean {
  const host = domain.replace(/:[0-9]+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
