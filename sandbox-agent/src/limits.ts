/**
 * Each session's cgroup (memory, pids, cpu) through @byhand/runtime, so a fork bomb, a memory
 * bomb or a spinning loop stays inside its own sandbox.
 */
import { createHash } from 'node:crypto';
import { createCgroup, delegateCgroup, findCgroups, removeStale, thawChildren, type Cgroup, type Limits, type UidRange } from '@byhand/runtime';
import type { Logger } from './log.js';

/**
 * Session cgroups are named `lab-<state>-<session id>`, <state> naming the agent's state
 * directory: a restarted agent removes its own leftovers and never another agent's sessions.
 */
export function cgroupPrefix(stateDir: string): string {
  return `lab-${createHash('sha256').update(stateDir).digest('hex').slice(0, 8)}-`;
}

export interface SessionLimits {
  /** Bytes of memory, the writable layer's tmpfs included (no swap on top). */
  memory: number;
  pids: number;
  /** CPUs' worth of time, e.g. 1 or 0.5. */
  cpus: number;
}

export const DEFAULT_LIMITS: SessionLimits = { memory: 1024 * 1024 * 1024, pids: 512, cpus: 1 };

function runtimeLimits(limits: SessionLimits): Limits {
  return { memory: limits.memory, memorySwap: limits.memory, pidsLimit: limits.pids, cpus: limits.cpus };
}

/**
 * Makes the session's cgroup and delegates it to the sandbox's root (`owner.base`), so lesson 05
 * can make child cgroups below the session's limits; the sandbox's helper moves the sandbox into
 * it before it runs anything.
 */
export async function createSessionCgroup(prefix: string, id: string, limits: SessionLimits, owner: UidRange, log: Logger): Promise<Cgroup> {
  const cgroup = await createCgroup(`${prefix}${id}`, runtimeLimits(limits));
  for (const note of cgroup.notes) log('limit not applied', { id, note });
  try {
    delegateCgroup(cgroup, { uid: owner.base, gid: owner.base });
  } catch (err) {
    await removeSessionCgroup(cgroup, log);
    throw err;
  }
  return cgroup;
}

/** Kills whatever is left in the cgroup and removes it; logs instead of throwing. */
export async function removeSessionCgroup(cgroup: Cgroup, log: Logger): Promise<void> {
  try {
    // The learner's own child cgroups go too: thawed first, so that the kill reaches what they froze.
    thawChildren(cgroup);
    await cgroup.kill();
    await cgroup.remove();
  } catch (err) {
    log('cgroup not removed', { cgroup: cgroup.path, error: (err as Error).message });
  }
}

/** On start: remove the session cgroups a crashed agent left behind (and anything still in them). */
export async function removeLeftoverCgroups(prefix: string, log: Logger): Promise<void> {
  for (const cgroup of findCgroups(prefix)) thawChildren(cgroup);
  const removed = await removeStale({ prefix });
  if (removed.length) log('removed leftover cgroups', { count: removed.length, names: removed.join(',') });
}
