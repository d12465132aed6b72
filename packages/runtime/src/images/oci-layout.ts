/**
 * `byhand save` / `byhand load`: images as a tarball of an OCI image layout
 *   oci-layout                  {"imageLayoutVersion": "1.0.0"}
 *   index.json                  the manifests, each named by org.opencontainers.image.ref.name
 *   blobs/sha256/<hex>          manifests, configs, layers: the store's own blobs, byte for byte
 * plus Docker's manifest.json, so `docker load` takes it too. `load` also reads archives made
 * by `docker save` (manifest.json with Config, RepoTags and Layers paths).
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { create, extract } from 'tar';
import { sha256OfFile, type Descriptor } from './blobs.js';
import { layeredImage } from './commit.js';
import { isGzip } from './layer.js';
import { checkManifest, INDEX_TYPES, MEDIA, type Index, type Manifest } from './oci.js';
import { familiarName, parseReference } from './reference.js';
import type { Image, ImageStore } from './store.js';

const REF_NAME = 'org.opencontainers.image.ref.name';

function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

/** Writes the images to out (a file; written beside it and renamed when complete). */
export async function saveImages(store: ImageStore, names: string[], out: string): Promise<void> {
  const stage = store.blobs.tempPath('save');
  const partial = `${out}.partial`;
  try {
    mkdirSync(join(stage, 'blobs', 'sha256'), { recursive: true });
    const index: Index = { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [] };
    const docker: Array<{ Config: string; RepoTags: string[]; Layers: string[] }> = [];
    for (const name of names) {
      const image: Image = await layeredImage(store, store.require(name));
      const manifest = store.manifest(image.digest!);
      for (const d of [image.digest!, manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) {
        const to = join(stage, 'blobs', 'sha256', d.slice(7));
        if (!existsSync(to)) linkOrCopy(store.blobs.path(d), to);
      }
      const tag = image.digest === name ? null : familiarName(parseReference(name));
      index.manifests.push({ mediaType: manifest.mediaType ?? MEDIA.ociManifest, digest: image.digest!, size: store.blobs.size(image.digest!),
        ...(tag ? { annotations: { [REF_NAME]: tag } } : {}) });
      const blob = (d: string) => `blobs/sha256/${d.slice(7)}`;
      docker.push({ Config: blob(manifest.config.digest), RepoTags: tag ? [tag] : [], Layers: manifest.layers.map((l) => blob(l.digest)) });
    }
    writeFileSync(join(stage, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(join(stage, 'index.json'), JSON.stringify(index));
    writeFileSync(join(stage, 'manifest.json'), JSON.stringify(docker));
    await create({ cwd: stage, file: partial, portable: true }, ['oci-layout', 'index.json', 'manifest.json', 'blobs']);
    renameSync(partial, out);
  } finally {
    rmSync(stage, { recursive: true, force: true });
    rmSync(partial, { force: true });
  }
}

/** Moves a blob file of the unpacked archive into the store, checking it is what its digest says. */
async function adoptBlob(store: ImageStore, stage: string, digest: string): Promise<void> {
  if (store.blobs.has(digest)) return;
  const file = join(stage, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
  if (!existsSync(file)) throw new Error(`the archive lacks blob ${digest}`);
  await store.blobs.putFile(file, digest);
}

/** The linux/amd64 manifest of an index inside the layout (nested, as skopeo may write it). */
function pickManifest(stage: string, desc: Descriptor): Descriptor {
  if (!INDEX_TYPES.includes(desc.mediaType)) return desc;
  const nested = JSON.parse(readFileSync(join(stage, 'blobs', 'sha256', desc.digest.slice(7)), 'utf8')) as Index;
  const pick = nested.manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === 'amd64') ?? nested.manifests[0];
  if (!pick) throw new Error(`index ${desc.digest} in the archive has no manifests`);
  return pickManifest(stage, pick);
}

async function loadOciLayout(store: ImageStore, stage: string): Promise<Image[]> {
  const index = JSON.parse(readFileSync(join(stage, 'index.json'), 'utf8')) as Index;
  const loaded: Image[] = [];
  for (const entry of index.manifests) {
    const desc = pickManifest(stage, entry);
    await adoptBlob(store, stage, desc.digest);
    const manifest = checkManifest(store.blobs.readJson<Manifest>(desc.digest), `manifest ${desc.digest} in the archive`);
    for (const blob of [manifest.config, ...manifest.layers]) await adoptBlob(store, stage, blob.digest);
    const name = entry.annotations?.['io.containerd.image.name'] ?? entry.annotations?.[REF_NAME];
    loaded.push(await store.addManifest(desc.digest, name ? [name] : []));
  }
  return loaded;
}

/** A `docker save` archive: configs and layers by path; the manifest is made here. */
async function loadDockerArchive(store: ImageStore, stage: string): Promise<Image[]> {
  const entries = JSON.parse(readFileSync(join(stage, 'manifest.json'), 'utf8')) as Array<{ Config: string; RepoTags?: string[] | null; Layers: string[] }>;
  const loaded: Image[] = [];
  for (const entry of entries) {
    const put = async (path: string) => {
      const file = join(stage, path);
      const digest = await sha256OfFile(file);
      const gzip = isGzip(file);
      if (!store.blobs.has(digest)) await store.blobs.putFile(file, digest);
      return { digest, gzip, size: store.blobs.size(digest) };
    };
    const config = await put(entry.Config);
    const layers: Descriptor[] = [];
    for (const path of entry.Layers) {
      const layer = await put(path);
      layers.push({ mediaType: layer.gzip ? MEDIA.ociLayerGzip : MEDIA.ociLayer, digest: layer.digest, size: layer.size });
    }
    const manifest: Manifest = { schemaVersion: 2, mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.ociConfig, digest: config.digest, size: config.size }, layers };
    loaded.push(await store.addManifest(store.blobs.putBuffer(JSON.stringify(manifest)), entry.RepoTags ?? []));
  }
  return loaded;
}

/** Loads every image of an archive; on any error nothing of it stays in the store. */
export async function loadImages(store: ImageStore, archive: string): Promise<Image[]> {
  const stage = store.blobs.tempPath('load');
  const problems: string[] = [];
  try {
    mkdirSync(stage, { recursive: true });
    try {
      await extract({ file: archive, cwd: stage, onwarn: (code, message) => { if (code !== 'TAR_ENTRY_INFO') problems.push(message); } });
    } catch (err) {
      problems.push((err as Error).message);
    }
    if (problems.length > 0) throw new Error(`${archive} is damaged or not a tarball: ${problems[0]}`);
    if (existsSync(join(stage, 'oci-layout')) && existsSync(join(stage, 'index.json'))) {
      return await store.undoOnError(() => loadOciLayout(store, stage));
    }
    if (existsSync(join(stage, 'manifest.json'))) return await store.undoOnError(() => loadDockerArchive(store, stage));
    throw new Error(`${archive} is neither an OCI image layout (oci-layout, index.json) nor a docker save archive (manifest.json)`);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
