/**
 * Finds the program to run the way a shell would: a name without "/" is looked up in the
 * container's PATH, through its layers (the writable one first), without leaving the rootfs.
 */
import { lstatSync, readlinkSync } from 'node:fs';
import { join, posix } from 'node:path';

/** Resolves `path` (absolute inside the container) in one layer, following symlinks inside it. */
function existsInLayer(layer: string, path: string, depth = 0): boolean {
  if (depth > 16) return false;
  const parts = path.split('/').filter(Boolean);
  let current = '/';
  for (let i = 0; i < parts.length; i++) {
    const next = posix.join(current, parts[i]!);
    let st;
    try {
      st = lstatSync(join(layer, next));
    } catch {
      return false;
    }
    if (st.isSymbolicLink()) {
      const target = readlinkSync(join(layer, next));
      const rest = parts.slice(i + 1).join('/');
      const resolved = posix.join(target.startsWith('/') ? target : posix.join(current, target), rest);
      return existsInLayer(layer, resolved, depth + 1);
    }
    current = next;
  }
  return true;
}

function pathOf(env: string[]): string[] {
  const entry = env.find((e) => e.startsWith('PATH='));
  return (entry ? entry.slice(5) : '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':').filter(Boolean);
}

/** The absolute path of the program, or null when no layer has it. */
export function resolveCommand(name: string, layers: string[], env: string[], workdir = '/'): string | null {
  if (name.includes('/')) {
    const abs = posix.resolve(workdir, name);
    return layers.some((l) => existsInLayer(l, abs)) ? abs : null;
  }
  for (const dir of pathOf(env)) {
    const candidate = posix.join(dir, name);
    if (layers.some((l) => existsInLayer(l, candidate))) return candidate;
  }
  return null;
}
