/**
 * A container's cgroup, through the cgroups module (src/cgroups/). It is named after the
 * container's id, and the layout it was made in is kept in state.json, so a later `byhand`
 * run from another cgroup (another shell, `gc` after a crash) still finds it.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createCgroup, CgroupsUnavailableError, detectCgroups, openCgroup, removeStale, type Cgroup, type CgroupLayout } from '../cgroups/index.js';
import type { ResourceLimits } from '../config.js';
import type { TraceEvent } from '../explain.js';
import type { ContainerState } from '../state.js';

export type { Cgroup, CgroupLayout };

/**
 * Container cgroups are named `<tag of the state dir>-<container id>`: state directories share
 * one cgroup tree (the agent's, a learner's, each test's), and `gc` must only ever remove its own.
 */
function stateTag(stateRoot: string): string {
  return createHash('sha256').update(stateRoot).digest('hex').slice(0, 8);
}

export function containerCgroupName(stateRoot: string, id: string): string {
  return `${stateTag(stateRoot)}-${id}`;
}

export function hasLimits(limits: ResourceLimits): boolean {
  return Object.values(limits).some((v) => v !== undefined);
}

/**
 * Makes the cgroup of container `id` with its limits. Where cgroups cannot be made (a
 * read-only or undelegated tree) a container without limits runs without one; with limits it
 * is an error that says why.
 */
export async function createContainerCgroup(name: string, limits: ResourceLimits, onTrace?: (e: TraceEvent) => void,
  onNote?: (note: string) => void): Promise<{ cgroup: Cgroup; layout: CgroupLayout } | null> {
  try {
    const layout = detectCgroups();
    const cgroup = await createCgroup(name, limits, { layout, onTrace });
    return { cgroup, layout };
  } catch (err) {
    if (err instanceof CgroupsUnavailableError && !hasLimits(limits)) {
      onNote?.(`${err.message}; the container runs without a cgroup, so without resource limits`);
      return null;
    }
    throw err;
  }
}

/** The cgroup of an existing container, or null when it has none (any more). */
export function openContainerCgroup(state: ContainerState): Cgroup | null {
  if (!state.cgroupLayout || !state.cgroupName) return null;
  const cgroup = openCgroup(state.cgroupName, { layout: state.cgroupLayout });
  return Object.values(cgroup.paths).some((dir) => existsSync(dir)) ? cgroup : null;
}

/** Removes this state dir's container cgroups whose container is gone; returns their names. */
export function removeStaleCgroups(stateRoot: string, liveIds: Set<string>): Promise<string[]> {
  const prefix = `${stateTag(stateRoot)}-`;
  // Where no cgroup can be made (no cgroup filesystem, a read-only tree), none is left over.
  return removeStale({ prefix, keep: (name) => liveIds.has(name.slice(prefix.length)) })
    .catch((err: unknown) => (err instanceof CgroupsUnavailableError ? [] : Promise.reject(err)));
}
