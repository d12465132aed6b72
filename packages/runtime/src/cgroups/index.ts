/**
 * Containers' cgroups, on cgroup v2 or v1 (hybrid included), nested under the cgroup this
 * process runs in, so the same code works as host root and inside a delegated sub-tree.
 *
 *   const cg = await createCgroup('web', { memory: 64 * 2 ** 20, pidsLimit: 32 }, { onTrace });
 *   // the init helper writes the container's pid to each of cg.procsFiles()
 *   cg.stats(); cg.oomKilled(); await cg.kill(); await cg.remove();
 */
import { join } from 'node:path';
import { type CgroupLayout, detectCgroups } from './detect.js';
import { CgroupFiles, type TraceFn } from './files.js';
import { childCgroups, GROUP } from './lifecycle.js';
import type { Limits } from './limits.js';
import type { Cgroup } from './types.js';
import { V1Cgroup } from './v1.js';
import { planV2, V2Cgroup, v2GroupDir } from './v2.js';

export { CgroupsUnavailableError, type CgroupTraceEvent, type TraceFn } from './files.js';
export { detectCgroups, type CgroupLayout, type CgroupMode } from './detect.js';
export { sharesToWeight, type Limits } from './limits.js';
export { delegateCgroup, joinTarget, thawChildren, type Owner } from './delegate.js';
export type { Cgroup, CgroupStats } from './types.js';

export interface CgroupOptions {
  /** Receives every cgroup write as the equivalent shell command (for `byhand --explain`). */
  onTrace?: TraceFn;
  /** Defaults to what this process's /proc/self/mountinfo and /proc/self/cgroup say. */
  layout?: CgroupLayout;
}

/**
 * Makes the container's cgroup `<own cgroup>/byhand/<name>` and writes its limits.
 * Throws CgroupsUnavailableError when this process may not make cgroups (read-only or
 * undelegated tree): the caller can then run without limits and say so.
 */
export async function createCgroup(name: string, limits: Limits = {}, options: CgroupOptions = {}): Promise<Cgroup> {
  const layout = options.layout ?? detectCgroups();
  const files = new CgroupFiles(options.onTrace);
  return layout.mode === 'v2'
    ? V2Cgroup.create(layout, name, limits, files)
    : V1Cgroup.create(layout, name, limits, files);
}

/** A handle on an existing container cgroup (made by an earlier, maybe crashed, process). */
export function openCgroup(name: string, options: CgroupOptions = {}): Cgroup {
  const layout = options.layout ?? detectCgroups();
  const files = new CgroupFiles(options.onTrace);
  if (layout.mode === 'v2' && layout.v2) return new V2Cgroup(name, planV2(layout.v2, name).leaf, files);
  return new V1Cgroup(name, V1Cgroup.plan(layout, name), files);
}

/** The byhand nodes below our own cgroup: one per v1 tree, or the one v2 node. */
function groupDirs(layout: CgroupLayout): string[] {
  if (layout.mode === 'v2' && layout.v2) return [v2GroupDir(layout.v2)];
  return [...new Set(Object.values(layout.v1))].map((own) => join(own, GROUP));
}

/** Names of the container cgroups this runtime made (in any tree) that start with prefix. */
export function findCgroups(prefix = '', options: CgroupOptions = {}): Cgroup[] {
  const layout = options.layout ?? detectCgroups();
  const names = new Set(groupDirs(layout).flatMap((dir) => childCgroups(dir)));
  return [...names].filter((n) => n.startsWith(prefix)).sort().map((n) => openCgroup(n, { ...options, layout }));
}

export interface RemoveStaleOptions extends CgroupOptions {
  prefix?: string;
  /** Names still in use (running containers); everything else found is removed. */
  keep?: (name: string) => boolean;
}

/**
 * For `byhand gc` and crash recovery: kills what is left in each stale cgroup, removes it,
 * and removes the byhand node itself once nothing is left in it. Returns the removed names.
 */
export async function removeStale(options: RemoveStaleOptions = {}): Promise<string[]> {
  const layout = options.layout ?? detectCgroups();
  const removed: string[] = [];
  for (const cg of findCgroups(options.prefix, { ...options, layout })) {
    if (options.keep?.(cg.name)) continue;
    await cg.kill();
    await cg.remove();
    removed.push(cg.name);
  }
  const files = new CgroupFiles(options.onTrace);
  for (const dir of groupDirs(layout)) {
    // Another process may be creating a container right now: a busy node simply stays.
    if (childCgroups(dir).length === 0) files.rmdir(dir);
  }
  return removed;
}
