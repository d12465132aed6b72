/**
 * Image references as Docker spells them: [REGISTRY[:PORT]/]REPOSITORY[:TAG][@DIGEST].
 * `busybox` means docker.io/library/busybox:latest; a first part with a "." or ":" (or
 * `localhost`) names a registry.
 */
export interface Reference {
  /** The registry's host[:port]; docker.io for Docker Hub. */
  registry: string;
  repository: string;
  tag: string;
  digest: string | null;
}

const DOCKER_HUB = 'docker.io';
const PART = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
export const DIGEST = /^sha256:[0-9a-f]{64}$/;

export function parseReference(text: string): Reference {
  let rest = text;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new Error(`${text}: the digest must be sha256: and 64 hex digits`);
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  let tag = 'latest';
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new Error(`${text}: the tag ${JSON.stringify(tag)} must be letters, digits, "_", "." and "-"`);
  }
  const parts = rest.split('/');
  let registry = DOCKER_HUB;
  if (parts.length > 1 && (/[.:]/.test(parts[0]!) || parts[0] === 'localhost')) registry = parts.shift()!;
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  if (parts.length === 0 || !parts.every((p) => PART.test(p))) {
    throw new Error(`${text} is not an image reference: use lower-case letters, digits and separators, e.g. busybox:1.36 or 127.0.0.1:5000/demo:v1`);
  }
  return { registry, repository: parts.join('/'), tag, digest };
}

/** The short name Docker shows: no docker.io/library/ prefix, always with a tag. */
export function familiarName(ref: Reference): string {
  const repo = ref.registry === DOCKER_HUB ? ref.repository.replace(/^library\//, '') : `${ref.registry}/${ref.repository}`;
  return `${repo}:${ref.tag}`;
}

/** The name an image is stored under: `name` without a tag gets `:latest`. */
export function normalizeName(text: string): string {
  return familiarName(parseReference(text));
}
