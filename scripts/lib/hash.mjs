/** Content hashes used as cache keys by the set-up. */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * One hash over files and directory trees (paths that do not exist count as absent, so
 * creating one changes the hash). `exclude` holds names (strings) or name patterns (RegExp)
 * skipped at any depth.
 */
export function hashPaths(paths, { exclude = [] } = {}) {
  const hash = createHash('sha256');
  const skip = (name) => exclude.some((rule) => (typeof rule === 'string' ? rule === name : rule.test(name)));
  for (const path of paths) {
    hash.update(`path ${path}\0`);
    if (existsSync(path)) addEntry(hash, path, path, skip);
  }
  return hash.digest('hex');
}

function addEntry(hash, root, path, skip) {
  const stat = lstatSync(path);
  const rel = path === root ? '.' : path.slice(root.length + 1);
  if (stat.isSymbolicLink()) {
    hash.update(`link ${rel} ${readlinkSync(path)}\0`);
  } else if (stat.isDirectory()) {
    hash.update(`dir ${rel}\0`);
    const names = readdirSync(path).filter((name) => !skip(name)).sort();
    for (const name of names) addEntry(hash, root, join(path, name), skip);
  } else if (stat.isFile()) {
    hash.update(`file ${rel} ${stat.mode & 0o111 ? 'x' : '-'} ${sha256(readFileSync(path))}\0`);
  }
}

/** The stored cache key at `file`, or null when there is none. */
export function readKey(file) {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}
