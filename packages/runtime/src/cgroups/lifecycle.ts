/**
 * Creating, emptying and removing cgroup directories: the parts v1 and v2 share.
 * A cgroup can only be removed once no process is left in it or below it, so removal is
 * "kill everything, wait for the kernel to drain, rmdir children before parents".
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CgroupFiles, parsePids, sleep, waitUntil } from './files.js';

/** The node, below our own cgroup, that holds every cgroup this runtime makes. */
export const GROUP = 'byhand';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function checkName(name: string): void {
  if (!NAME.test(name)) {
    throw new Error(`cgroup name ${JSON.stringify(name)} is invalid: use letters, digits, '.', '_' and '-', starting with a letter or digit`);
  }
}

/** Refuses a name already in use, before anything is made (so a failed create removes only its own). */
export function assertFree(name: string, dirs: string[]): void {
  const existing = dirs.filter((d) => existsSync(d));
  if (existing.length > 0) {
    throw new Error(`a cgroup named ${name} already exists at ${existing.join(', ')}: remove it (\`byhand rm -f\` or \`byhand gc\`) or choose another name`);
  }
}

/** Child cgroups of dir (a cgroup's subdirectories are exactly its children). */
export function childCgroups(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** dir and its descendants, deepest first, so rmdir can go in this order. */
export function treeBottomUp(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return [...childCgroups(dir).flatMap((child) => treeBottomUp(join(dir, child))), dir];
}

/** Pids in dir and every cgroup below it. */
export function pidsUnder(dirs: string[]): number[] {
  const pids = new Set<number>();
  for (const dir of dirs) {
    for (const cg of treeBottomUp(dir)) {
      try {
        for (const pid of parsePids(readFileSync(join(cg, 'cgroup.procs'), 'utf8'))) pids.add(pid);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  }
  return [...pids].sort((a, b) => a - b);
}

/**
 * Makes `<group>/<name>`, preparing the group node first. Retries if a concurrent cleanup
 * removes the (empty) group node between the two mkdirs.
 */
export function makeLeaf(files: CgroupFiles, groupDir: string, leafDir: string, prepareGroup: () => void): void {
  for (let attempt = 0; ; attempt++) {
    files.mkdir(groupDir);
    prepareGroup();
    try {
      files.mkdir(leafDir);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw err;
    }
  }
}

export interface Freezable {
  pids(): number[];
  freeze(): Promise<void>;
  thaw(): Promise<void>;
}

/**
 * SIGKILLs every process until the cgroup is empty. Freezing first stops a fork bomb from
 * making new processes between reading the list and killing it; the kill lands on thaw.
 */
export async function killEach(cg: Freezable, files: CgroupFiles, canFreeze: boolean, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (Date.now() < end) {
    const pids = cg.pids();
    if (pids.length === 0) return;
    const frozen = canFreeze && (await cg.freeze().then(() => true, () => false));
    for (const pid of pids) files.kill(pid);
    if (frozen) await cg.thaw();
    await waitUntil(() => cg.pids().length === 0, 100);
  }
  throw new Error(`processes ${cg.pids().join(' ')} in ${what} survived SIGKILL for 5 s (stuck in the kernel, e.g. on I/O); try again later`);
}

/** rmdir each directory tree, retrying while the kernel finishes tearing down dead tasks. */
export async function removeTrees(files: CgroupFiles, dirs: string[]): Promise<void> {
  const end = Date.now() + 3000;
  for (;;) {
    const left = [...new Set(dirs)].flatMap((d) => treeBottomUp(d)).filter((d) => !files.rmdir(d));
    if (left.length === 0) return;
    if (Date.now() > end) {
      throw new Error(`cannot remove cgroup ${left.join(', ')}: it is still busy (processes ${pidsUnder(left).join(' ') || 'exiting'}); kill them first`);
    }
    await sleep(20);
  }
}
