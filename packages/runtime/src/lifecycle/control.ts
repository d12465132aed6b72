/** Signals, stop, pause, removal and garbage collection of containers. */
import { constants } from 'node:os';
import { readFileSync } from 'node:fs';
import { isAlive, processRef, signalProcess, waitUntil, type ProcessRef } from '../proc.js';
import { containerFiles } from './files.js';
import type { Container, StateStore } from '../state.js';
import { openContainerCgroup, removeStaleCgroups } from './cgroup.js';

export function parseSignal(name: string): NodeJS.Signals | number {
  if (/^[0-9]+$/.test(name)) return Number(name);
  const full = (name.toUpperCase().startsWith('SIG') ? name.toUpperCase() : `SIG${name.toUpperCase()}`) as NodeJS.Signals;
  if (!(full in constants.signals)) throw new Error(`unknown signal ${name}: use a name such as TERM or KILL, or a number`);
  return full;
}

function requireRunning(c: Container, what: string): void {
  if (c.state.status !== 'running' && c.state.status !== 'paused') {
    throw new Error(`cannot ${what} container ${c.state.name}: it is ${c.state.status}`);
  }
}

/** Sends a signal to the container's pid 1 (as `docker kill` does). */
export function killContainer(c: Container, signal: NodeJS.Signals | number = 'SIGKILL'): void {
  requireRunning(c, 'kill');
  if (!signalProcess(c.state.pid, signal)) throw new Error(`container ${c.state.name} has no running process to signal`);
}

/** SIGTERM, then SIGKILL after `timeoutSeconds`, then waits until it is gone. */
export async function stopContainer(store: StateStore, c: Container, timeoutSeconds = 10): Promise<void> {
  if (c.state.status === 'stopped') return;
  if (c.state.status === 'paused') await unpauseContainer(store, c);
  const asked = Date.now();
  signalProcess(c.state.pid, 'SIGTERM');
  if (!(await waitUntil(() => !isAlive(c.state.helper), timeoutSeconds * 1000))) {
    await forceEnd(c);
  }
  // Its owner records the exit code once it has unplugged the container's network and cgroup:
  // until then ps would show an exit code it cannot know yet.
  await waitUntil(() => {
    const now = store.load(c.state.id)?.state;
    return !now || !isAlive(now.owner) || (now.finishedAt !== null && Date.parse(now.finishedAt) >= asked - 1000);
  }, 10_000);
}

/** Ends everything the container is: its processes (pid 1, the helper) and its cgroup's. */
async function forceEnd(c: Container): Promise<void> {
  const cgroup = openContainerCgroup(c.state);
  await cgroup?.kill();
  const pid = containerPid(c);
  signalProcess(pid, 'SIGKILL');
  signalProcess(c.state.helper, 'SIGKILL');
  await waitUntil(() => !isAlive(c.state.helper) && !isAlive(pid), 5000);
}

/** Its pid 1: recorded in state.json, or only in the helper's pid file when its owner died first. */
function containerPid(c: Container): ProcessRef | null {
  if (c.state.pid) return c.state.pid;
  if (!isAlive(c.state.helper)) return null;
  try {
    return processRef(Number(readFileSync(containerFiles(c.dir).pidFile, 'utf8').trim()));
  } catch {
    return null;
  }
}

export async function pauseContainer(store: StateStore, c: Container): Promise<void> {
  requireRunning(c, 'pause');
  const cgroup = openContainerCgroup(c.state);
  if (!cgroup) throw new Error(`cannot pause ${c.state.name}: pausing needs the cgroup freezer, and it has no cgroup`);
  await cgroup.freeze();
  store.update(c.state.id, { status: 'paused' });
}

export async function unpauseContainer(store: StateStore, c: Container): Promise<void> {
  if (c.state.status !== 'paused') throw new Error(`container ${c.state.name} is not paused`);
  const cgroup = openContainerCgroup(c.state);
  await cgroup?.thaw();
  store.update(c.state.id, { status: 'running' });
}

/** `rm`: a running container only with force; leaves no process, cgroup or file behind. */
export async function removeContainer(store: StateStore, c: Container, force: boolean): Promise<void> {
  if (c.state.status !== 'stopped' && c.state.status !== 'created' && !force) {
    throw new Error(`cannot remove ${c.state.name}: it is ${c.state.status}; stop it first or use rm -f`);
  }
  await forceEnd(c);
  // The owner would record the exit and recreate state.json: end it too.
  signalProcess(c.state.owner?.pid === process.pid ? null : c.state.owner, 'SIGKILL');
  await openContainerCgroup(c.state)?.remove();
  store.remove(c);
}

/**
 * Finds and removes what crashes left: `--rm` containers whose owner died, containers whose
 * directory was never finished, cgroups without a container and names without one.
 */
export async function collectGarbage(store: StateStore): Promise<string[]> {
  const removed: string[] = [];
  for (const id of store.ids()) {
    const c = store.load(id);
    if (!c) {
      if (store.removeIncomplete(id)) removed.push(`container ${id.slice(0, 12)} (incomplete)`);
      continue;
    }
    if (c.config.autoRemove && !isAlive(c.state.owner)) {
      await removeContainer(store, c, true);
      removed.push(`container ${c.state.name} (--rm, its owner is gone)`);
    }
  }
  for (const name of store.staleNames()) {
    store.removeName(name);
    removed.push(`name ${name}`);
  }
  for (const name of await removeStaleCgroups(store.root, new Set(store.ids()))) removed.push(`cgroup ${name}`);
  return removed;
}
