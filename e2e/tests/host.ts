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

/** The namespace (e.g. "net:[4026532281]") a process is in. */
export function namespaceOf(pid: number, kind: string): string {
  return readlinkSync(`/proc/${pid}/ns/${kind}`);
}

/** Processes on the host still in that namespace: none once a sandbox is really gone. */
export function holdersOf(kind: string, ns: string): number[] {
  return pids().filter((pid) => {
    try {
      return readlinkSync(`/proc/${pid}/ns/${kind}`) === ns;
    } catch {
      return false; // ended while we looked
    }
  });
}

export function alive(pid: number): boolean {
  return read(`/proc/${pid}/stat`) !== undefined;
}

export function hostMounts(): string {
  return read('/proc/self/mountinfo') ?? '';
}

/** Cgroup directories, under any hierarchy, whose name contains `text`. */
export function cgroupsNamed(text: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      if (e.name.includes(text)) found.push(`${dir}/${e.name}`);
      if (depth < 8) walk(`${dir}/${e.name}`, depth + 1);
    }
  };
  walk('/sys/fs/cgroup', 0);
  return found;
}
