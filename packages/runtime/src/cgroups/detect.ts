/**
 * Which cgroup hierarchy this machine uses, and where this process's own cgroup is in it.
 *
 * - v2 ("unified"): one cgroup2 tree with every controller (classroom VMs).
 * - v1: one tree per controller (or a few co-mounted, like cpu,cpuacct).
 * - hybrid: the controllers on v1 plus an empty cgroup2 tree that systemd uses for tracking
 *   (this project's development machines). Hybrid is driven exactly like v1.
 *
 * /proc/self/mountinfo says where each tree is mounted and which part of it (the mount's root);
 * /proc/self/cgroup says which cgroup we are in, relative to our cgroup namespace.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CgroupsUnavailableError } from './files.js';

export type CgroupMode = 'v2' | 'v1' | 'hybrid';

/** The v1 controllers the runtime uses; others (devices, blkio, …) are left alone. */
export const V1_CONTROLLERS = ['memory', 'cpu', 'cpuacct', 'cpuset', 'pids', 'freezer'] as const;
export type V1Controller = (typeof V1_CONTROLLERS)[number];

export interface CgroupLayout {
  mode: CgroupMode;
  /** v1 and hybrid: our own cgroup's directory in each controller's tree. */
  v1: Partial<Record<V1Controller, string>>;
  /** v2: our own cgroup's directory in the unified tree. */
  v2?: string;
}

export interface CgroupMount {
  fsType: 'cgroup' | 'cgroup2';
  /** The part of the tree this mount shows, e.g. `/` or `/docker/abc`. */
  root: string;
  mountPoint: string;
  readOnly: boolean;
  /** v1: controllers of this tree (from the super options); v2: empty. */
  controllers: string[];
}

/** mountinfo escapes spaces and the like as octal (`\040`). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseMountinfo(text: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const sep = fields.indexOf('-');
    if (sep < 0) continue;
    const fsType = fields[sep + 1];
    if (fsType !== 'cgroup' && fsType !== 'cgroup2') continue;
    const mountOptions = (fields[5] ?? '').split(',');
    const superOptions = (fields[sep + 3] ?? '').split(',');
    mounts.push({
      fsType,
      root: unescape(fields[3] ?? '/'),
      mountPoint: unescape(fields[4] ?? ''),
      readOnly: mountOptions.includes('ro'),
      controllers: fsType === 'cgroup' ? superOptions.filter((o) => (V1_CONTROLLERS as readonly string[]).includes(o)) : [],
    });
  }
  return mounts;
}

export interface ProcCgroupEntry {
  /** Empty for the v2 line (`0::/path`). */
  controllers: string[];
  path: string;
}

export function parseProcCgroup(text: string): ProcCgroupEntry[] {
  const entries: ProcCgroupEntry[] = [];
  for (const line of text.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    entries.push({ controllers: match[2] ? match[2].split(',') : [], path: match[3] ?? '/' });
  }
  return entries;
}

/** Where cgroup `path` (as /proc/self/cgroup names it) appears under `mount`, if it does. */
export function dirInMount(mount: CgroupMount, path: string): string | undefined {
  if (path.split('/').includes('..')) return undefined;
  const root = mount.root === '/' ? '' : mount.root;
  if (path !== root && !path.startsWith(`${root}/`)) return undefined;
  return join(mount.mountPoint, path.slice(root.length)).replace(/(.)\/+$/, '$1');
}

function ownDir(mounts: CgroupMount[], path: string, what: string): string {
  const writable = mounts.filter((m) => !m.readOnly);
  if (writable.length === 0) {
    throw new CgroupsUnavailableError(`${what} is mounted read-only at ${mounts.map((m) => m.mountPoint).join(', ')}`);
  }
  for (const mount of writable) {
    const dir = dirInMount(mount, path);
    if (dir !== undefined) return dir;
  }
  throw new CgroupsUnavailableError(`this process's ${what} cgroup ${path} is outside what is mounted at ${writable[0]?.mountPoint} (a cgroup namespace or a partial mount hides it)`);
}

/** Works out the layout from the text of mountinfo and /proc/self/cgroup (pure, for tests). */
export function layoutFrom(mountinfo: string, procCgroup: string): CgroupLayout {
  const mounts = parseMountinfo(mountinfo);
  const entries = parseProcCgroup(procCgroup);
  const v1: CgroupLayout['v1'] = {};
  for (const controller of V1_CONTROLLERS) {
    const treeMounts = mounts.filter((m) => m.fsType === 'cgroup' && m.controllers.includes(controller));
    const entry = entries.find((e) => e.controllers.includes(controller));
    if (treeMounts.length === 0 || !entry) continue;
    v1[controller] = ownDir(treeMounts, entry.path, `the ${controller} cgroup tree`);
  }
  const unifiedMounts = mounts.filter((m) => m.fsType === 'cgroup2');
  if (Object.keys(v1).length > 0) return { mode: unifiedMounts.length > 0 ? 'hybrid' : 'v1', v1 };
  const unified = entries.find((e) => e.controllers.length === 0);
  if (unifiedMounts.length === 0 || !unified) {
    throw new CgroupsUnavailableError('no cgroup filesystem is mounted (mount cgroup2 on /sys/fs/cgroup, or run where one is)');
  }
  return { mode: 'v2', v1, v2: ownDir(unifiedMounts, unified.path, 'the unified cgroup tree') };
}

/** Detects the layout of the running system, checking that our own cgroup really exists. */
export function detectCgroups(): CgroupLayout {
  const layout = layoutFrom(readFileSync('/proc/self/mountinfo', 'utf8'), readFileSync('/proc/self/cgroup', 'utf8'));
  for (const dir of [...Object.values(layout.v1), ...(layout.v2 ? [layout.v2] : [])]) {
    if (!existsSync(dir)) {
      throw new CgroupsUnavailableError(`this process's cgroup directory ${dir} does not exist (the cgroup mount belongs to another cgroup namespace)`);
    }
  }
  return layout;
}
