/**
 * `byhand commit`: a container's writable layer (the overlay upper dir: new and changed files,
 * whiteouts for deleted ones, opaque dirs) becomes one more layer on top of its image's.
 */
import { rmSync } from 'node:fs';
import { sha256Of } from './blobs.js';
import { packLayer } from './layer.js';
import { MEDIA, type OciConfig } from './oci.js';
import type { Image, ImageStore } from './store.js';
import { importImage } from './import.js';

/**
 * A flat image (the set-up's busybox or lab) first becomes an unnamed one-layer image of the
 * store, once: remembered in the build cache (which keeps it), so that builds FROM it hit the cache.
 */
export async function layeredImage(store: ImageStore, image: Image): Promise<Image> {
  if (image.digest) return image;
  const key = `flat-${sha256Of(`${image.layers[0]}\n${image.created}`).slice(7)}`;
  const remembered = store.cached(key);
  if (remembered) return store.fromManifest(image.name, remembered);
  const layered = await importImage(store, image.layers[0]!, null, image.config);
  store.remember(key, layered.digest!);
  return layered;
}

export interface CommitOptions {
  /** The image the container was made from and its layer directories (checked to still match). */
  image: string;
  layers: string[];
  /** The container's upper dir. */
  upper: string;
  names: string[];
  createdBy: string;
  comment?: string;
}

export async function commitLayer(store: ImageStore, opts: CommitOptions): Promise<Image> {
  const found = store.require(opts.image);
  if (found.layers.join('\n') !== opts.layers.join('\n')) {
    throw new Error(`image ${opts.image} is no longer the one the container was made from (it was re-tagged or removed)`);
  }
  const tmp = store.blobs.tempPath('commit');
  try {
    return await store.undoOnError(async () => addUpperLayer(store, await layeredImage(store, found), opts, tmp));
  } finally {
    rmSync(tmp, { force: true });
  }
}

async function addUpperLayer(store: ImageStore, parent: Image, opts: CommitOptions, tmp: string): Promise<Image> {
  const manifest = store.manifest(parent.digest!);
  const config = store.config(manifest);
  await packLayer(opts.upper, tmp);
  const digest = await store.blobs.putFile(tmp);
  const size = store.blobs.size(digest);
  const created = new Date().toISOString();
  const next: OciConfig = {
    ...config,
    created,
    config: { ...config.config },
    rootfs: { type: 'layers', diff_ids: [...config.rootfs.diff_ids, digest] },
    history: [...(config.history ?? []), { created, created_by: opts.createdBy, ...(opts.comment ? { comment: opts.comment } : {}) }],
  };
  return store.addImage(next, [...manifest.layers, { mediaType: MEDIA.ociLayer, digest, size }], opts.names);
}
