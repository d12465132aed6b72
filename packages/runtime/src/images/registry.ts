/**
 * A client of the distribution API (what Docker Hub and `docker-registry` speak):
 *   GET /v2/<repo>/manifests/<tag|digest>   a manifest, or a list of them per platform
 *   GET /v2/<repo>/blobs/<digest>           a config or a layer tarball
 * A 401 with `WWW-Authenticate: Bearer realm=…,service=…,scope=…` means: fetch a token from the
 * realm (anonymously) and ask again with `Authorization: Bearer <token>`, as Docker Hub does.
 * Loopback registries (127.0.0.0/8, localhost, ::1) and those named in BYHAND_INSECURE_REGISTRIES
 * (comma-separated host:port) are plain http; every other one is https.
 */
import type { Descriptor } from './blobs.js';
import { checkManifest, INDEX_TYPES, MANIFEST_TYPES, type Index, type Manifest } from './oci.js';
import { sha256Of } from './blobs.js';
import type { Reference } from './reference.js';

const DOCKER_HUB_API = 'registry-1.docker.io';
const ACCEPT = [...MANIFEST_TYPES, ...INDEX_TYPES].join(', ');

export function isPlainHttp(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  const insecure = (process.env.BYHAND_INSECURE_REGISTRIES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return /^127\.\d+\.\d+\.\d+$/.test(host) || host === 'localhost' || host === '::1' || insecure.includes(registry);
}

export function registryUrl(registry: string): string {
  const host = registry === 'docker.io' ? DOCKER_HUB_API : registry;
  return `${isPlainHttp(registry) ? 'http' : 'https'}://${host}`;
}

function authParams(header: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const m of header.matchAll(/(\w+)="([^"]*)"/g)) params[m[1]!] = m[2]!;
  return params;
}

export class Registry {
  private token: string | null = null;
  readonly base: string;

  constructor(readonly ref: Reference) {
    this.base = registryUrl(ref.registry);
  }

  private async login(challenge: string): Promise<void> {
    if (!/^Bearer /i.test(challenge)) {
      throw new Error(`registry ${this.ref.registry} wants ${challenge.split(' ')[0]} credentials: byhand pulls anonymously, so only public images`);
    }
    const { realm, service, scope } = authParams(challenge);
    if (!realm) throw new Error(`registry ${this.ref.registry} asked for a token without saying where to get one (${challenge})`);
    const url = new URL(realm);
    if (service) url.searchParams.set('service', service);
    url.searchParams.set('scope', scope ?? `repository:${this.ref.repository}:pull`);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`the token service ${url.origin} refused a pull token for ${this.ref.repository}: HTTP ${res.status}`);
    const body = await res.json() as { token?: string; access_token?: string };
    this.token = body.token ?? body.access_token ?? null;
    if (!this.token) throw new Error(`the token service ${url.origin} answered without a token`);
  }

  /** GET path, logging in once when the registry asks for a token. */
  async get(path: string, headers: Record<string, string> = {}, what = path): Promise<Response> {
    const url = `${this.base}/v2/${this.ref.repository}/${path}`;
    for (let attempt = 0; ; attempt++) {
      const auth: Record<string, string> = this.token ? { Authorization: `Bearer ${this.token}` } : {};
      let res: Response;
      try {
        res = await fetch(url, { headers: { ...headers, ...auth } });
      } catch (err) {
        const cause = (err as { cause?: Error }).cause?.message ?? (err as Error).message;
        throw new Error(`cannot reach registry ${this.ref.registry} (${this.base}): ${cause}`);
      }
      const challenge = res.headers.get('www-authenticate');
      if (res.status === 401 && challenge && attempt === 0) {
        await res.body?.cancel();
        await this.login(challenge);
        continue;
      }
      if (res.ok) return res;
      const text = (await res.text()).slice(0, 300).trim();
      throw new Error(`registry ${this.ref.registry} refused ${what} of ${this.ref.repository}: HTTP ${res.status}${text ? ` ${text}` : ''}`);
    }
  }

  /** A manifest's bytes, verified against the digest it was asked by or the one the registry names. */
  async manifestBytes(reference: string): Promise<{ bytes: Buffer; digest: string; mediaType: string }> {
    const res = await this.get(`manifests/${reference}`, { Accept: ACCEPT }, `the manifest ${reference}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    const digest = sha256Of(bytes);
    const claimed = reference.startsWith('sha256:') ? reference : res.headers.get('docker-content-digest');
    if (claimed && claimed !== digest) throw new Error(`manifest ${claimed} from ${this.ref.registry} does not match its digest (got ${digest})`);
    const doc = JSON.parse(bytes.toString('utf8')) as { mediaType?: string };
    const mediaType = doc.mediaType ?? res.headers.get('content-type')?.split(';')[0] ?? '';
    return { bytes, digest, mediaType };
  }

  /** The image manifest for linux/amd64: straight, or picked from a manifest list. */
  async resolveManifest(): Promise<{ bytes: Buffer; digest: string; manifest: Manifest }> {
    let got = await this.manifestBytes(this.ref.digest ?? this.ref.tag);
    if (INDEX_TYPES.includes(got.mediaType)) {
      const index = JSON.parse(got.bytes.toString('utf8')) as Index;
      const pick = index.manifests.find((m: Descriptor) => m.platform?.os === 'linux' && m.platform.architecture === 'amd64');
      if (!pick) {
        const have = index.manifests.map((m) => `${m.platform?.os}/${m.platform?.architecture}`).join(', ');
        throw new Error(`${this.ref.repository} has no linux/amd64 image (it has ${have})`);
      }
      got = await this.manifestBytes(pick.digest);
    }
    const manifest = checkManifest({ ...JSON.parse(got.bytes.toString('utf8')), mediaType: got.mediaType }, `${this.ref.repository}`);
    return { bytes: got.bytes, digest: got.digest, manifest };
  }
}
