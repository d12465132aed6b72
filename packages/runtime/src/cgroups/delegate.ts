/**
 * Delegation: handing a container's cgroup to the root of its user namespace, so a learner can
 * make child cgroups below it and set their limits, without ever raising the cgroup's own.
 *
 * What changes owner is the cgroup's directory (so `mkdir` works) and the files that move
 * processes (and, on v2, hand controllers to children). The limit files stay owned by host root,
 * and children are bounded by their parent in every controller, so nothing made below can use
 * more than the container may. A hierarchy's root is never delegated: on v1 it holds
 * release_agent, which runs a program as host root (CVE-2022-0492).
 *
 * Two consequences of handing a tree over:
 * - v2 "no internal processes": once the learner moves the container's processes into a child and
 *   enables controllers, nothing can join the delegated cgroup itself. A process that must join
 *   the container later (an exec) joins the cgroup the container's init is in now (joinTarget).
 * - v1 freezer: a learner can freeze a child, and SIGKILL does not end a task frozen by the v1
 *   freezer. Before killing the container, every child is thawed (thawChildren).
 */
import { chownSync, existsSync, readFileSync, statfsSync, statSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { type CgroupMount, dirInMount, parseMountinfo } from './detect.js';
import { CgroupFiles, type TraceFn, readOptional } from './files.js';
import { treeBottomUp } from './lifecycle.js';
import type { Cgroup } from './types.js';

/** The files that make a cgroup the delegatee's to manage, besides its directory. */
export const DELEGATED_FILES = {
  v1: ['cgroup.procs', 'tasks'],
  v2: ['cgroup.procs', 'cgroup.threads', 'cgroup.subtree_control'],
} as const;

/** statfs f_type of a cgroup2 filesystem (CGROUP2_SUPER_MAGIC). */
const CGROUP2_MAGIC = 0x63677270;

export interface Owner {
  uid: number;
  gid: number;
}

/** Refuses the top of a cgroup hierarchy (a mount's root), where release_agent and the host's limits live. */
export function assertNotHierarchyRoot(dir: string): void {
  if (existsSync(join(dir, 'release_agent'))) {
    throw new Error(`refusing to delegate ${dir}: it is the root of a cgroup v1 hierarchy (its release_agent runs programs as host root)`);
  }
  if (statSync(dir).dev !== statSync(dirname(dir)).dev) {
    throw new Error(`refusing to delegate ${dir}: it is the root of a mounted cgroup hierarchy; delegate a cgroup below it`);
  }
}

/** The paths that change owner, directories first: nothing else in the cgroup does. */
export function delegatedPaths(cg: Pick<Cgroup, 'version' | 'paths'>): string[] {
  const files = cg.version === 2 ? DELEGATED_FILES.v2 : DELEGATED_FILES.v1;
  return [...new Set(Object.values(cg.paths))].flatMap((dir) => [dir, ...files.map((f) => join(dir, f))]);
}

/**
 * Gives `owner` (the host ids root inside a user namespace maps to) the cgroup's directories and
 * its process files in each tree; each chown is traced as the command a learner would type.
 */
export function delegateCgroup(cg: Pick<Cgroup, 'version' | 'paths'>, owner: Owner, onTrace?: TraceFn): void {
  for (const dir of new Set(Object.values(cg.paths))) assertNotHierarchyRoot(dir);
  for (const path of delegatedPaths(cg)) {
    // Kernels before 4.14 have no cgroup.threads; every other file exists in every cgroup.
    if (path.endsWith(`${sep}cgroup.threads`) && !existsSync(path)) continue;
    const start = performance.now();
    const command = `chown ${owner.uid}:${owner.gid} ${path}`;
    try {
      chownSync(path, owner.uid, owner.gid);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      onTrace?.({ step: 'cgroup', command, result: code, ms: performance.now() - start });
      throw new Error(`delegating the cgroup failed at \`${command}\` (${code}): only host root, which owns the cgroup tree, can hand a cgroup over`, { cause: err });
    }
    onTrace?.({ step: 'cgroup', command, result: 'ok', ms: performance.now() - start });
  }
}

/**
 * Where in the unified tree the text of a /proc/<pid>/cgroup puts the process, as a directory of
 * `mounts`; undefined when no mount shows it. The `0::<path>` line is the only one on a v2 host
 * and the last on a hybrid one, and runs to the end of the text: a cgroup's name may hold a
 * newline (but never a `/`), so its lines cannot be trusted. Callers check that the result is
 * where they expect it.
 */
export function v2DirFromProcCgroup(text: string, mounts: CgroupMount[]): string | undefined {
  const start = text.startsWith('0::') ? 0 : text.lastIndexOf('\n0::') + 1;
  if (start === 0 && !text.startsWith('0::')) return undefined;
  const path = text.slice(start + 3).replace(/\n$/, '');
  for (const mount of mounts.filter((m) => m.fsType === 'cgroup2')) {
    const dir = dirInMount(mount, path);
    if (dir !== undefined) return dir;
  }
  return undefined;
}

/** True when `dir` is `top` or below it. */
export function isWithin(dir: string, top: string): boolean {
  return dir === top || dir.startsWith(top.endsWith(sep) ? top : top + sep);
}

/**
 * The cgroup.procs files a process joining a delegated container (an exec) should be written to.
 * v1 (one file per tree): the container's own files, which always accept processes. v2: the
 * cgroup the container's init (host pid `initPid`) is in now, checked to be inside the container's
 * cgroup, since the learner may have made the container's own cgroup an inner node.
 */
export function joinTarget(procsFiles: string[], initPid: number): string[] {
  const [file] = procsFiles;
  if (procsFiles.length !== 1 || file === undefined || statfsSync(dirname(file)).type !== CGROUP2_MAGIC) return procsFiles;
  const top = dirname(file);
  let text: string;
  try {
    text = readFileSync(`/proc/${initPid}/cgroup`, 'utf8');
  } catch {
    return procsFiles; // init has exited: the exec fails anyway, saying so
  }
  const dir = v2DirFromProcCgroup(text, parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')));
  if (dir === undefined || !isWithin(dir, top) || !existsSync(dir)) {
    throw new Error(`the sandbox's init (pid ${initPid}) is in cgroup ${JSON.stringify(text.trim())}, which is not inside its own cgroup ${top}; refusing to join it`);
  }
  return [join(dir, 'cgroup.procs')];
}

/**
 * v1: thaws every cgroup below the container's own so that a kill reaches tasks a learner froze.
 * v2 needs none of this (a fatal signal ends a task frozen there). Best effort: a child the
 * learner removes meanwhile is simply gone, and one that cannot be thawed shows in the trace.
 */
export function thawChildren(cg: Pick<Cgroup, 'version' | 'paths'>, onTrace?: TraceFn): void {
  const freezer = cg.version === 1 ? (cg.paths as Record<string, string | undefined>).freezer : undefined;
  if (!freezer) return;
  const files = new CgroupFiles(onTrace);
  for (const dir of treeBottomUp(freezer).filter((d) => d !== freezer)) {
    try {
      if (readOptional(dir, 'freezer.state') !== 'THAWED') files.write(dir, 'freezer.state', 'THAWED');
    } catch {
      // Removed meanwhile, or stuck: the kill that follows reports what is left.
    }
  }
}
