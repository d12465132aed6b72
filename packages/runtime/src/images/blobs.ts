/**
 * Content-addressed blobs (manifests, configs, layer tarballs): blobs/sha256/<hex>, each
 * written to a temporary file first and renamed into place only once its digest is verified.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DIGEST } from './reference.js';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string; variant?: string };
}

export function sha256Of(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return `sha256:${hash.digest('hex')}`;
}

export class BlobStore {
  constructor(readonly root: string, readonly tmpDir: string) {}

  path(digest: string): string {
    if (!DIGEST.test(digest)) throw new Error(`${digest} is not a sha256 digest`);
    return join(this.root, 'sha256', digest.slice(7));
  }

  has(digest: string): boolean {
    return existsSync(this.path(digest));
  }

  size(digest: string): number {
    return statSync(this.path(digest)).size;
  }

  read(digest: string): Buffer {
    try {
      return readFileSync(this.path(digest));
    } catch {
      throw new Error(`blob ${digest} is missing from the image store: pull or load its image again`);
    }
  }

  readJson<T>(digest: string): T {
    return JSON.parse(this.read(digest).toString('utf8')) as T;
  }

  /** A fresh temporary path next to the blobs (same file system, so rename is atomic). */
  tempPath(label: string): string {
    mkdirSync(this.tmpDir, { recursive: true });
    return join(this.tmpDir, `${label}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  }

  putBuffer(data: Buffer | string, expected?: string): string {
    const digest = sha256Of(data);
    if (expected && digest !== expected) throw new Error(`blob ${expected} does not match its content (it hashes to ${digest})`);
    if (this.has(digest)) return digest;
    const tmp = this.tempPath('blob');
    writeFileSync(tmp, data);
    this.adopt(tmp, digest);
    return digest;
  }

  /** Moves a finished temporary file (whose digest is `digest`) into place. */
  adopt(tmp: string, digest: string): void {
    mkdirSync(join(this.root, 'sha256'), { recursive: true });
    renameSync(tmp, this.path(digest));
  }

  /** Hashes a file and moves it in; a mismatch with `expected` removes it and throws. */
  async putFile(tmp: string, expected?: string): Promise<string> {
    const digest = await sha256OfFile(tmp);
    if (expected && digest !== expected) {
      rmSync(tmp, { force: true });
      throw new Error(`blob ${expected} does not match its content (it hashes to ${digest})`);
    }
    this.adopt(tmp, digest);
    return digest;
  }
}
