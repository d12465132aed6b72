/** Looks at the host from outside the sandbox, through /proc, as an admin would. */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process ended while we looked
  }
}

function pids(): number[] {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
}

function args(pid: number): string[] {
  return (read(`/proc/${pid}/cmdline`) ?? '').split('\0');
}

function children(pid: number): number[] {
  return (read(`/proc/${pid}/task/${pid}/children`) ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
}

/** The helper process of the sandbox whose hostname is `name`. */
export function sandboxHelperPid(name: string): number | undefined {
  return pids().find((pid) => {
    const a = args(pid);
    return a[0]?.endsWith('byhand-init') && a[a.indexOf('--hostname') + 1] === name;
  });
}

/** Every process of a sandbox: its helper and all descendants. */
export function processTree(root: number): number[] {
  const all = [root];
  for (let i = 0; i < all.length; i++) all.push(...children(all[i]!));
  return all;
}

export function uidOf(pid: number): number {
  const m = /^Uid:\s+(\d+)/m.exec(read(`/proc/${pid}/status`) ?? '');
  if (!m) throw new Error(`process ${pid} has no Uid line (did it end?)`);
  return Number(m[1]);
}

export function commOf(pid: number): string {
  return (read(`/proc/${pid}/comm`) ?? '').trim();
}

/** What a sandbox could leave behind on the host, counted. */
export interface HostFootprint {
  sandboxProcesses: number;
  hostMounts: number;
  netNamespaces: number;
  cgroups: number;
}

function cgroupDirCount(): number {
  let n = 0;
  const walk = (dir: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) {
        n++;
        if (depth < 6) walk(`${dir}/${e.name}`, depth + 1);
      }
    }
  };
  walk('/sys/fs/cgroup', 0);
  return n;
}

export function footprint(): HostFootprint {
  const nets = new Set<string>();
  let sandboxProcesses = 0;
  for (const pid of pids()) {
    if (commOf(pid) === 'byhand-init') sandboxProcesses++;
    try {
      nets.add(readlinkSync(`/proc/${pid}/ns/net`));
    } catch {
      // ended, or a kernel thread we may not read
    }
  }
  return {
    sandboxProcesses,
    hostMounts: (read('/proc/self/mountinfo') ?? '').split('\n').length,
    netNamespaces: nets.size,
    cgroups: cgroupDirCount(),
  };
}
