/**
 * `byhand pull`: manifest, config and layers from a registry into the store. Each blob is
 * hashed while it streams to tmp/pull-<hex>.partial; an interrupted download resumes from
 * there with an HTTP Range request. Blobs enter the store only once every one of them matched
 * its digest, and the name only once every layer unpacked: a failed pull leaves the store as it was.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Descriptor } from './blobs.js';
import { formatBytes, Progress } from './progress.js';
import { familiarName, parseReference } from './reference.js';
import { Registry } from './registry.js';
import type { Image, ImageStore } from './store.js';

function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

async function hashExisting(path: string, hash: Hash): Promise<number> {
  if (!existsSync(path)) return 0;
  await pipeline(createReadStream(path), new Transform({ transform(chunk: Buffer, _e, cb) { hash.update(chunk); cb(); } }));
  return statSync(path).size;
}

/** Downloads one blob to its partial file, resuming it, and returns the verified file. */
async function download(registry: Registry, store: ImageStore, blob: Descriptor, progress: Progress): Promise<string> {
  const id = shortDigest(blob.digest);
  const partial = join(store.blobs.tmpDir, `pull-${blob.digest.slice(7)}.partial`);
  mkdirSync(store.blobs.tmpDir, { recursive: true });
  const hash = createHash('sha256');
  const have = await hashExisting(partial, hash);
  const res = await registry.get(`blobs/${blob.digest}`, have > 0 ? { Range: `bytes=${have}-` } : {}, `the blob ${blob.digest}`);
  if (have > 0 && res.status !== 206) {
    // The registry ignored the range: start over.
    await res.body?.cancel();
    rmSync(partial, { force: true });
    return download(registry, store, blob, progress);
  }
  if (have > 0) progress.state(id, 'Resuming', `at ${formatBytes(have)}`);
  progress.state(id, 'Downloading');
  let done = have;
  const counter = new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      done += chunk.length;
      progress.bytes(id, done, blob.size);
      cb(null, chunk);
    },
  });
  if (!res.body) throw new Error(`registry ${registry.ref.registry} sent no body for blob ${blob.digest}`);
  await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), counter, createWriteStream(partial, { flags: have > 0 ? 'a' : 'w' }));
  const digest = `sha256:${hash.digest('hex')}`;
  if (digest !== blob.digest) {
    rmSync(partial, { force: true });
    throw new Error(`blob ${blob.digest} from ${registry.ref.registry}/${registry.ref.repository} does not match its digest (its content hashes to ${digest}): the registry's copy is corrupt`);
  }
  if (done !== blob.size) {
    rmSync(partial, { force: true });
    throw new Error(`blob ${blob.digest} is ${done} bytes, but its manifest says ${blob.size}`);
  }
  progress.state(id, 'Download complete');
  return partial;
}

export async function pull(store: ImageStore, text: string, progress: Progress): Promise<Image> {
  const ref = parseReference(text);
  const registry = new Registry(ref);
  const { bytes, digest, manifest } = await registry.resolveManifest();
  const wanted = [manifest.config, ...manifest.layers].filter((b, i, all) => all.findIndex((x) => x.digest === b.digest) === i);
  const files = new Map<string, string>();
  try {
    for (const blob of wanted) {
      if (store.blobs.has(blob.digest)) progress.state(shortDigest(blob.digest), 'Already exists');
      else files.set(blob.digest, await download(registry, store, blob, progress));
    }
  } catch (err) {
    // Only an interrupted download stays behind (to resume); finished ones go with the pull.
    for (const file of files.values()) rmSync(file, { force: true });
    throw err;
  }
  const image = await store.undoOnError(async () => {
    for (const [d, file] of files) store.blobs.adopt(file, d);
    for (const layer of manifest.layers) {
      const fresh = files.has(layer.digest);
      if (fresh) progress.state(shortDigest(layer.digest), 'Extracting');
      await store.ensureLayer(layer);
      if (fresh) progress.state(shortDigest(layer.digest), 'Pull complete');
    }
    store.blobs.putBuffer(bytes, digest);
    return store.addManifest(digest, [familiarName(ref)]);
  });
  progress.note(`Digest: ${digest}`);
  return image;
}
