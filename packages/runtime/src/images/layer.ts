/**
 * Layer tarballs <-> layer directories, converting whiteouts both ways (see whiteouts.ts).
 * Unpacking is strict: a corrupt or truncated tarball is an error, never half a layer.
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, lstatSync, mkdirSync, openSync, readdirSync, readSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { basename, dirname, join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract, Header, Pack, ReadEntry } from 'tar';
import { isWhiteout, makeWhiteout, markOpaque, OPAQUE_MARKER, opaqueDirs, WHITEOUT_PREFIX } from './whiteouts.js';

/** Extracts a layer tarball (plain or gzip) into an empty directory dest; a damaged one throws. */
export async function unpackLayer(file: string, dest: string): Promise<void> {
  const deleted: string[] = [];
  const opaque: string[] = [];
  const problems: string[] = [];
  mkdirSync(dest, { recursive: true });
  await extract({
    file,
    cwd: dest,
    // Notes ("stripping / from absolute path") and device nodes (not needed in a container's
    // layer; /dev is mounted) are fine; anything else (bad checksum, truncation, …) is fatal.
    onwarn: (code, message) => {
      if (code !== 'TAR_ENTRY_INFO' && code !== 'TAR_ENTRY_UNSUPPORTED') problems.push(`${code}: ${message}`);
    },
    preserveOwner: process.getuid?.() === 0,
    chmod: true,
    processUmask: 0,
    unlink: true,
    filter: (path) => {
      const name = basename(path);
      if (!name.startsWith(WHITEOUT_PREFIX)) return true;
      const parent = posix.normalize(dirname(path));
      if (name === OPAQUE_MARKER) opaque.push(parent);
      else deleted.push(join(parent, name.slice(WHITEOUT_PREFIX.length)));
      return false;
    },
  });
  if (problems.length > 0) throw new Error(problems[0]);
  for (const path of deleted) {
    mkdirSync(join(dest, dirname(path)), { recursive: true });
    makeWhiteout(join(dest, path));
  }
  for (const dir of opaque) {
    mkdirSync(join(dest, dir), { recursive: true });
    markOpaque(join(dest, dir));
  }
}

/** An empty regular file entry: how a whiteout looks in a tarball. */
function markerEntry(path: string): ReadEntry {
  const header = new Header({ path, mode: 0o644, uid: 0, gid: 0, size: 0, type: 'File', mtime: new Date(0) });
  const entry = new ReadEntry(header);
  entry.end();
  return entry;
}

/** Paths below dir, parents before children, in a stable (sorted) order. */
export function walk(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const path = rel ? `${rel}/${name}` : name;
    out.push(path);
    if (lstatSync(join(dir, path)).isDirectory()) out.push(...walk(dir, path));
  }
  return out;
}

/** Writes the directory of a layer (an overlay upper dir, say) as an OCI layer tarball. */
export async function packLayer(dir: string, outFile: string): Promise<void> {
  const opaque = opaqueDirs(dir);
  const pack = new Pack({ cwd: dir, noDirRecurse: true, portable: false, noPax: false });
  const done = pipeline(pack, createWriteStream(outFile));
  for (const path of walk(dir)) {
    const full = join(dir, path);
    const stat = lstatSync(full);
    if (isWhiteout(stat)) {
      pack.add(markerEntry(posix.join(dirname(path), WHITEOUT_PREFIX + basename(path))));
      continue;
    }
    pack.add(path);
    if (stat.isDirectory() && opaque.has(full)) pack.add(markerEntry(`${path}/${OPAQUE_MARKER}`));
  }
  pack.end();
  await done;
}

export function isGzip(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const magic = Buffer.alloc(2);
    return readSync(fd, magic, 0, 2, 0) === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** The digest of the uncompressed tarball: the config's rootfs.diff_ids entry for this layer. */
export async function diffIdOf(file: string): Promise<string> {
  const hash = createHash('sha256');
  if (isGzip(file)) await pipeline(createReadStream(file), createGunzip(), hash);
  else await pipeline(createReadStream(file), hash);
  return `sha256:${hash.digest('hex')}`;
}
