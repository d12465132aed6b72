/**
 * The runtime's own source, served read-only at /source/<path> so a lesson can link to the file
 * that makes the same system calls the learner just typed. Only files under SOURCE_ROOTS are
 * served, and only those that exist when the site is built.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export const SOURCE_ROOTS = ['packages/runtime/src', 'packages/runtime/native', 'sandbox-agent/src'];
const EXTENSIONS: Record<string, string> = { '.ts': 'typescript', '.c': 'c', '.h': 'c' };

export interface SourceEntry {
  /** Repository-relative path with forward slashes, e.g. packages/runtime/native/rootfs.c. */
  path: string;
  kind: 'file' | 'dir';
}

/** The repository: the first folder above the working directory that holds packages/runtime. */
export function repoRoot(from: string = process.cwd()): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'packages', 'runtime', 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no repository (packages/runtime) above ${from}: run the site from inside it`);
  }
}

/** Every servable file and folder, folders first, in path order. */
export function listSource(root: string = repoRoot()): SourceEntry[] {
  const entries: SourceEntry[] = [];
  const walk = (rel: string) => {
    entries.push({ path: rel, kind: 'dir' });
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      const child = `${rel}/${name}`;
      const stat = statSync(path.join(root, child));
      if (stat.isDirectory()) walk(child);
      else if (stat.isFile() && languageOf(name)) entries.push({ path: child, kind: 'file' });
    }
  };
  for (const rel of SOURCE_ROOTS) if (existsSync(path.join(root, rel))) walk(rel);
  return entries;
}

export function languageOf(file: string): string | undefined {
  return EXTENSIONS[path.extname(file)];
}

/** The entry for a /source/ path (trailing slash allowed), or undefined when it is not served. */
export function findSource(rel: string, root: string = repoRoot()): SourceEntry | undefined {
  const wanted = rel.replace(/\/+$/, '');
  return listSource(root).find((e) => e.path === wanted);
}

/** The text of a served file; anything else is refused, whatever the path says. */
export function readSource(rel: string, root: string = repoRoot()): string {
  const entry = findSource(rel, root);
  if (entry?.kind !== 'file') throw new Error(`${rel} is not a source file this site serves (see SOURCE_ROOTS)`);
  return readFileSync(path.join(root, entry.path), 'utf8');
}
