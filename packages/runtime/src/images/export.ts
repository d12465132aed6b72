/**
 * `byhand export`: a container's file system flattened into one tarball, as the container sees
 * it: the layers applied bottom to top (whiteouts delete, opaque directories start empty), then
 * its writable layer. `byhand import` takes the result back as a one-layer image.
 */
import { chmodSync, copyFileSync, lchownSync, lstatSync, mkdirSync, readlinkSync, renameSync, rmSync, symlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { packLayer, walk } from './layer.js';
import { isWhiteout, opaqueDirs } from './whiteouts.js';

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

function copyEntry(from: string, to: string, st: Stats): void {
  if (st.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
  else if (st.isFile()) copyFileSync(from, to);
  else return; // devices, fifos, sockets: a container gets its own /dev
  lchownSync(to, st.uid, st.gid);
  if (!st.isSymbolicLink()) chmodSync(to, st.mode & 0o7777);
}

/** Applies one layer directory (overlay format) onto the merged tree in dest. */
function applyLayer(layer: string, dest: string): void {
  const opaque = opaqueDirs(layer);
  for (const rel of walk(layer)) {
    const from = join(layer, rel);
    const to = join(dest, rel);
    const st = lstatSync(from);
    const existing = lstatOrNull(to);
    if (isWhiteout(st)) {
      rmSync(to, { recursive: true, force: true });
    } else if (st.isDirectory()) {
      if (existing && (!existing.isDirectory() || opaque.has(from))) rmSync(to, { recursive: true, force: true });
      mkdirSync(to, { recursive: true });
      lchownSync(to, st.uid, st.gid);
      chmodSync(to, st.mode & 0o7777);
    } else {
      if (existing) rmSync(to, { recursive: true, force: true });
      copyEntry(from, to, st);
    }
  }
}

/** Flattens layers (top-most first, as containers list them) into a tarball at out. */
export async function exportLayers(layers: string[], tmpDir: string, out: string): Promise<void> {
  const merged = `${tmpDir}-merged`;
  const partial = `${out}.partial`;
  try {
    mkdirSync(merged, { recursive: true, mode: 0o755 });
    for (const layer of [...layers].reverse()) applyLayer(layer, merged);
    await packLayer(merged, partial);
    renameSync(partial, out);
  } finally {
    rmSync(merged, { recursive: true, force: true });
    rmSync(partial, { force: true });
  }
}
