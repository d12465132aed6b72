/**
 * The image store: content-addressed, each layer stored once and shared between images.
 *
 *   <state>/images/blobs/sha256/<hex>   manifests, configs and layer tarballs, by digest
 *   <state>/images/layers/<hex>/        each layer tarball unpacked (overlay whiteouts), by digest
 *   <state>/images/refs/<name>          an image name (URI-encoded) -> its manifest digest
 *   <state>/images/build-cache/<key>    a build step (or a flat image made layered) -> manifest digest
 *   <state>/images/tmp/                 everything is written here first, renamed in when verified
 *
 * An image is a manifest: a config (env, cmd, entrypoint, workdir) and an ordered list of layers,
 * which containers mount as overlay lower dirs. The older flat entries (<state>/images/<name>/
 * image.json with one rootfs: the set-up's busybox and lab images, and BYHAND_IMAGES_PATH,
 * directories laid out the same way searched after this store) still work as one-layer images.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlobStore, type Descriptor } from './blobs.js';
import { unpackLayer } from './layer.js';
import { checkManifest, MEDIA, type Manifest, type OciConfig } from './oci.js';
import { DIGEST, normalizeName } from './reference.js';

export interface ImageConfig {
  cmd: string[];
  entrypoint: string[];
  env: string[];
  workdir: string;
  labels: Record<string, string>;
  exposedPorts: string[];
}

export interface Image {
  name: string;
  /** The config's digest (Docker's image id); '' for a flat image. */
  id: string;
  /** The manifest's digest; null for a flat image. */
  digest: string | null;
  created: string;
  /** Layer directories, top-most first (as overlay's lowerdir wants them). */
  layers: string[];
  config: ImageConfig;
}

/** Names of flat images, which are directory names. */
export const IMAGE_NAME = /^[a-z0-9][a-z0-9_.-]*(:[a-zA-Z0-9_.-]+)?$/;
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const STORE_DIRS = new Set(['blobs', 'layers', 'refs', 'tmp', 'build-cache']);

export const DEFAULT_IMAGE_CONFIG: ImageConfig = {
  cmd: ['/bin/sh'], entrypoint: [], env: [PATH_ENV], workdir: '/', labels: {}, exposedPorts: [],
};

/** The read-only image directories named by BYHAND_IMAGES_PATH. */
export function extraImageDirs(): string[] {
  return (process.env.BYHAND_IMAGES_PATH ?? '').split(':').filter((dir) => dir !== '');
}

export function imageConfigOf(config: OciConfig): ImageConfig {
  const c = config.config ?? {};
  return {
    cmd: c.Cmd ?? [],
    entrypoint: c.Entrypoint ?? [],
    // As Docker does: an image that sets no PATH gets the usual one.
    env: (c.Env ?? []).some((e) => e.startsWith('PATH=')) ? c.Env! : [PATH_ENV, ...(c.Env ?? [])],
    workdir: c.WorkingDir || '/',
    labels: c.Labels ?? {},
    exposedPorts: Object.keys(c.ExposedPorts ?? {}),
  };
}

/** Bytes a file or a directory tree takes, as du counts them (hard links each time). */
function treeBytes(path: string): number {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.blocks * 512;
  return readdirSync(path).reduce((sum, name) => sum + treeBytes(join(path, name)), st.blocks * 512);
}

/** Whether `path` belongs to the kernel's overflow uid: an owner this user namespace does not map. */
function ownedByUnmappedIds(path: string): boolean {
  try {
    return statSync(path).uid === Number(readFileSync('/proc/sys/kernel/overflowuid', 'utf8'));
  } catch {
    return false;
  }
}

function readFlatImage(dir: string, name: string): Image | null {
  if (STORE_DIRS.has(name)) return null;
  try {
    const meta = JSON.parse(readFileSync(join(dir, name, 'image.json'), 'utf8')) as { created?: string; rootfs?: string; config?: Partial<ImageConfig> };
    const rootfs = meta.rootfs ?? join(dir, name, 'rootfs');
    return { name, id: '', digest: null, created: meta.created ?? '', layers: [rootfs], config: { ...DEFAULT_IMAGE_CONFIG, ...meta.config } };
  } catch {
    return null;
  }
}

export class ImageStore {
  readonly dir: string;
  readonly blobs: BlobStore;
  readonly layersDir: string;
  readonly refsDir: string;

  constructor(stateDir: string, readonly extraDirs: string[] = extraImageDirs()) {
    this.dir = join(stateDir, 'images');
    this.blobs = new BlobStore(join(this.dir, 'blobs'), join(this.dir, 'tmp'));
    this.layersDir = join(this.dir, 'layers');
    this.refsDir = join(this.dir, 'refs');
  }

  /** The manifest digest a name points to, or null. */
  resolve(name: string): string | null {
    if (DIGEST.test(name)) return this.blobs.has(name) ? name : null;
    let normal: string;
    try {
      normal = normalizeName(name);
    } catch {
      return null;
    }
    try {
      return readFileSync(join(this.refsDir, encodeURIComponent(normal)), 'utf8').trim();
    } catch {
      return null;
    }
  }

  manifest(digest: string): Manifest {
    return checkManifest(this.blobs.readJson<Manifest>(digest), `manifest ${digest}`);
  }

  config(manifest: Manifest): OciConfig {
    return this.blobs.readJson<OciConfig>(manifest.config.digest);
  }

  layerDir(layer: Descriptor): string {
    return join(this.layersDir, layer.digest.replace(/^sha256:/, ''));
  }

  fromManifest(name: string, digest: string): Image {
    const manifest = this.manifest(digest);
    const config = this.config(manifest);
    return {
      name, id: manifest.config.digest, digest, created: config.created ?? '',
      layers: manifest.layers.map((l) => this.layerDir(l)).reverse(), config: imageConfigOf(config),
    };
  }

  /** A flat image of this store, else an image by name or manifest digest, else a flat one from BYHAND_IMAGES_PATH. */
  get(name: string): Image | null {
    const flat = IMAGE_NAME.test(name) ? readFlatImage(this.dir, name) : null;
    if (flat) return flat;
    const digest = this.resolve(name);
    if (digest) return this.fromManifest(DIGEST.test(name) ? name : normalizeName(name), digest);
    for (const dir of IMAGE_NAME.test(name) ? this.extraDirs : []) {
      const image = readFlatImage(dir, name);
      if (image) return ownedByUnmappedIds(image.layers[0]!) ? this.adopt(image) : image;
    }
    return null;
  }

  /**
   * A read-only image whose files belong to ids this user namespace does not map (the set-up's
   * busybox seen from inside a learner's sandbox) cannot be changed even through an overlay: its
   * directories refuse root here. It is copied once into this store, owned by our own root.
   */
  private adopt(image: Image): Image {
    const tmp = join(this.dir, 'tmp', `adopt-${process.pid}-${image.name}`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    execFileSync('cp', ['-a', '--no-preserve=ownership', image.layers[0]!, join(tmp, 'rootfs')]);
    writeFileSync(join(tmp, 'image.json'), JSON.stringify({ created: image.created, config: image.config }));
    try {
      renameSync(tmp, join(this.dir, image.name));
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another run adopted it first
    }
    return readFlatImage(this.dir, image.name) ?? image;
  }

  require(name: string): Image {
    const image = this.get(name);
    if (!image) throw new Error(`unknown image ${name}: see byhand images (or byhand pull ${name})`);
    const lost = image.layers.find((dir) => !existsSync(dir));
    if (lost) throw new Error(`image ${name} has lost its layer ${lost}: pull, load or import it again`);
    return image;
  }

  /** Every name this store knows: the refs, then flat images (this store's, then the read-only ones). */
  names(): string[] {
    const refs = existsSync(this.refsDir) ? readdirSync(this.refsDir).filter((f) => !f.startsWith('.')).map(decodeURIComponent) : [];
    const flat = [this.dir, ...this.extraDirs].filter((dir) => existsSync(dir)).flatMap((dir) => readdirSync(dir))
      .filter((name) => !STORE_DIRS.has(name) && IMAGE_NAME.test(name));
    return [...new Set([...refs, ...flat])];
  }

  /** Every image that can be read (one whose manifest went missing is left out, not fatal). */
  list(): Image[] {
    const readable = (name: string) => {
      try {
        return this.get(name);
      } catch {
        return null;
      }
    };
    return this.names().map(readable).filter((i): i is Image => i !== null)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Unpacks a layer blob into layers/<hex> unless it is there already. */
  async ensureLayer(layer: Descriptor): Promise<string> {
    const dir = this.layerDir(layer);
    if (existsSync(dir)) return dir;
    const tmp = this.blobs.tempPath('layer');
    try {
      await unpackLayer(this.blobs.path(layer.digest), tmp);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw new Error(`layer ${layer.digest} is corrupt or truncated (${(err as Error).message}): pull or load its image again`);
    }
    mkdirSync(this.layersDir, { recursive: true });
    renameSync(tmp, dir);
    return dir;
  }

  /**
   * Records an image whose blobs are all in the store: unpacks its layers, then points the
   * names at it. Nothing is named until everything is in place.
   */
  async addManifest(digest: string, names: string[]): Promise<Image> {
    const manifest = this.manifest(digest);
    this.config(manifest);
    for (const layer of manifest.layers) await this.ensureLayer(layer);
    for (const name of names) this.setRef(name, digest);
    return this.fromManifest(names[0] ? normalizeName(names[0]) : digest, digest);
  }

  /** Writes config and manifest for layers already in the store, and names the image. */
  async addImage(config: OciConfig, layers: Descriptor[], names: string[]): Promise<Image> {
    const configJson = JSON.stringify(config);
    const configDigest = this.blobs.putBuffer(configJson);
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.ociConfig, digest: configDigest, size: Buffer.byteLength(configJson) },
      layers,
    };
    return this.addManifest(this.blobs.putBuffer(JSON.stringify(manifest)), names);
  }

  private entries(): string[] {
    const blobDir = join(this.blobs.root, 'sha256');
    return [
      ...(existsSync(blobDir) ? readdirSync(blobDir).map((hex) => join(blobDir, hex)) : []),
      ...(existsSync(this.layersDir) ? readdirSync(this.layersDir).map((hex) => join(this.layersDir, hex)) : []),
    ];
  }

  /** Runs fn; when it fails, the blobs and layers it added are removed again: all or nothing. */
  async undoOnError<T>(fn: () => Promise<T>): Promise<T> {
    const before = new Set(this.entries());
    try {
      return await fn();
    } catch (err) {
      for (const path of this.entries()) if (!before.has(path)) rmSync(path, { recursive: true, force: true });
      throw err;
    }
  }

  /** The manifest a build cache entry points to, if it is still in the store. */
  cached(key: string): string | null {
    try {
      const digest = readFileSync(join(this.dir, 'build-cache', key), 'utf8').trim();
      this.manifest(digest);
      return digest;
    } catch {
      return null;
    }
  }

  remember(key: string, digest: string): void {
    mkdirSync(join(this.dir, 'build-cache'), { recursive: true });
    const tmp = join(this.dir, 'build-cache', `.${key}.${process.pid}`);
    writeFileSync(tmp, `${digest}\n`);
    renameSync(tmp, join(this.dir, 'build-cache', key));
  }

  setRef(name: string, digest: string): void {
    const normal = normalizeName(name);
    mkdirSync(this.refsDir, { recursive: true });
    const tmp = join(this.refsDir, `.${process.pid}-${encodeURIComponent(normal)}`);
    writeFileSync(tmp, `${digest}\n`);
    renameSync(tmp, join(this.refsDir, encodeURIComponent(normal)));
  }

  tag(source: string, name: string): string {
    const image = this.require(source);
    if (!image.digest) throw new Error(`${source} is a flat image from the set-up: tag works on pulled, loaded, built or imported images`);
    this.setRef(name, image.digest);
    return normalizeName(name);
  }

  /**
   * Removes a name; blobs and layers no name, build cache entry or container (`inUse`: layer
   * directories of existing containers) needs any more go with it.
   */
  remove(name: string, { missingOk = false, inUse = new Set<string>() } = {}): void {
    if (IMAGE_NAME.test(name) && existsSync(join(this.dir, name, 'image.json'))) {
      this.removeFlat(name);
      return;
    }
    const digest = DIGEST.test(name) ? null : this.resolve(name);
    if (!digest) {
      if (missingOk) return;
      if (this.get(name)) {
        throw new Error(`image ${name} comes from the read-only BYHAND_IMAGES_PATH (${this.extraDirs.join(':')}) and cannot be removed`);
      }
      throw new Error(`unknown image ${name}: see byhand images`);
    }
    rmSync(join(this.refsDir, encodeURIComponent(normalizeName(name))), { force: true });
    this.collectGarbage(inUse);
  }

  private removeFlat(name: string): void {
    const dir = join(this.dir, name);
    const meta = JSON.parse(readFileSync(join(dir, 'image.json'), 'utf8')) as { rootfs?: string };
    // An image that references a layer kept elsewhere (the lab image) loses only its entry.
    if (meta.rootfs) rmSync(join(dir, 'image.json'), { force: true });
    else rmSync(dir, { recursive: true, force: true });
  }

  /** Manifest digests kept alive by names and by the build cache. */
  private roots(): string[] {
    const refs = existsSync(this.refsDir) ? readdirSync(this.refsDir).filter((f) => !f.startsWith('.'))
      .map((f) => readFileSync(join(this.refsDir, f), 'utf8').trim()) : [];
    const cacheDir = join(this.dir, 'build-cache');
    const cached = existsSync(cacheDir) ? readdirSync(cacheDir).filter((f) => !f.startsWith('.'))
      .map((f) => readFileSync(join(cacheDir, f), 'utf8').trim()) : [];
    return [...refs, ...cached].filter((d) => DIGEST.test(d) && this.blobs.has(d));
  }

  /**
   * `byhand builder prune`: forgets every build cache entry, then removes what only the cache
   * kept. Returns how many entries went and the bytes freed.
   */
  pruneBuildCache(inUse: Set<string>): { entries: number; bytes: number } {
    const cacheDir = join(this.dir, 'build-cache');
    const entries = existsSync(cacheDir) ? readdirSync(cacheDir).filter((f) => !f.startsWith('.')) : [];
    for (const entry of entries) rmSync(join(cacheDir, entry), { force: true });
    return { entries: entries.length, bytes: this.collectGarbage(inUse) };
  }

  /** Removes blobs and layers no root needs; returns the bytes freed. */
  private collectGarbage(inUse: Set<string>): number {
    const keep = new Set<string>();
    for (const digest of this.roots()) {
      const manifest = this.manifest(digest);
      for (const d of [digest, manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) keep.add(d.slice(7));
    }
    let freed = 0;
    const drop = (path: string) => {
      freed += treeBytes(path);
      rmSync(path, { recursive: true, force: true });
    };
    const blobDir = join(this.blobs.root, 'sha256');
    for (const hex of existsSync(blobDir) ? readdirSync(blobDir) : []) {
      if (!keep.has(hex)) drop(join(blobDir, hex));
    }
    for (const hex of existsSync(this.layersDir) ? readdirSync(this.layersDir) : []) {
      if (!keep.has(hex) && !inUse.has(join(this.layersDir, hex))) drop(join(this.layersDir, hex));
    }
    return freed;
  }
}
