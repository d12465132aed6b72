/**
 * `byhand import`: a flattened root filesystem (a tar archive, plain or gzip, or a directory)
 * becomes a one-layer image. The reverse of export.ts.
 */
import { copyFileSync, rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { packLayer, diffIdOf, isGzip } from './layer.js';
import { MEDIA, type OciConfig } from './oci.js';
import { DEFAULT_IMAGE_CONFIG, type Image, type ImageConfig, type ImageStore } from './store.js';
import { normalizeName } from './reference.js';

export function ociConfigFrom(config: ImageConfig, diffIds: string[], history: OciConfig['history'], created: string): OciConfig {
  return {
    created,
    architecture: 'amd64',
    os: 'linux',
    config: {
      Env: config.env,
      Cmd: config.cmd.length > 0 ? config.cmd : null,
      Entrypoint: config.entrypoint.length > 0 ? config.entrypoint : null,
      WorkingDir: config.workdir,
      Labels: Object.keys(config.labels).length > 0 ? config.labels : null,
      ExposedPorts: config.exposedPorts.length > 0 ? Object.fromEntries(config.exposedPorts.map((p) => [p, {}])) : null,
    },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history,
  };
}

/** Imports source as image `name` (null: unnamed, reachable by its digest). */
export async function importImage(store: ImageStore, source: string, name: string | null, config: Partial<ImageConfig> = {}): Promise<Image> {
  try {
    if (name !== null) normalizeName(name);
  } catch (err) {
    throw new Error(`image name ${JSON.stringify(name)} is not valid: ${(err as Error).message}`);
  }
  const src = resolve(source);
  let isDir: boolean;
  try {
    isDir = statSync(src).isDirectory();
  } catch {
    throw new Error(`cannot import ${source}: no such file or directory`);
  }
  const tmp = store.blobs.tempPath('import');
  try {
    return await store.undoOnError(() => importFile(store, src, tmp, isDir, name, config, source));
  } catch (err) {
    throw new Error(`cannot import ${source}: ${(err as Error).message}`);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** The layer blob (a copy of the archive, or the directory packed), its config and manifest. */
async function importFile(store: ImageStore, src: string, tmp: string, isDir: boolean, name: string | null,
  config: Partial<ImageConfig>, source: string): Promise<Image> {
  if (isDir) await packLayer(src, tmp);
  else copyFileSync(src, tmp);
  const gzip = isGzip(tmp);
  const diffId = await diffIdOf(tmp);
  const size = statSync(tmp).size;
  const digest = await store.blobs.putFile(tmp);
  const created = new Date().toISOString();
  const oci = ociConfigFrom({ ...DEFAULT_IMAGE_CONFIG, ...config }, [diffId], [{ created, created_by: `byhand import ${source}` }], created);
  return store.addImage(oci, [{ mediaType: gzip ? MEDIA.ociLayerGzip : MEDIA.ociLayer, digest, size }], name === null ? [] : [name]);
}
