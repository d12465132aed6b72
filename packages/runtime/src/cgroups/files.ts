/**
 * A cgroup is driven entirely through files. Every change goes through here so that it is
 * reported as the shell command a learner would type (`echo 64m > memory.max`).
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CgroupTraceEvent {
  step: 'cgroup';
  command: string;
  /** 'ok', or the error the kernel answered with. */
  result: string;
  ms: number;
}

export type TraceFn = (event: CgroupTraceEvent) => void;

/** Raised when this process may not make cgroups at all (read-only or undelegated tree). */
export class CgroupsUnavailableError extends Error {
  readonly code = 'CGROUPS_UNAVAILABLE';
  constructor(why: string) {
    super(`cgroups are not writable here: ${why}`);
    this.name = 'CgroupsUnavailableError';
  }
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

const NOT_WRITABLE = new Set(['EACCES', 'EPERM', 'EROFS']);

export class CgroupFiles {
  constructor(private readonly onTrace?: TraceFn) {}

  private traced<T>(command: string, op: () => T): T {
    const start = performance.now();
    try {
      const value = op();
      this.onTrace?.({ step: 'cgroup', command, result: 'ok', ms: performance.now() - start });
      return value;
    } catch (err) {
      const result = errCode(err) ?? String(err);
      this.onTrace?.({ step: 'cgroup', command, result, ms: performance.now() - start });
      throw err;
    }
  }

  /** Writes one value; the error names the file and value so a failed limit is obvious. */
  write(dir: string, file: string, value: string | number): void {
    const path = join(dir, file);
    try {
      this.traced(`echo ${value} > ${path}`, () => writeFileSync(path, String(value)));
    } catch (err) {
      throw new Error(`writing ${value} to ${path} failed (${errCode(err) ?? err}): ${hint(file, errCode(err))}`, { cause: err });
    }
  }

  /** mkdir that tells an undelegated or read-only tree apart from a real failure. */
  mkdir(path: string): void {
    if (existsSync(path)) return;
    try {
      this.traced(`mkdir ${path}`, () => mkdirSync(path));
    } catch (err) {
      const code = errCode(err);
      if (code === 'EEXIST') return;
      if (code && NOT_WRITABLE.has(code)) {
        throw new CgroupsUnavailableError(`mkdir ${path} failed with ${code} (the cgroup tree is read-only or not delegated to this user)`);
      }
      throw err;
    }
  }

  /** rmdir; false when the kernel still holds the cgroup busy (tasks draining). */
  rmdir(path: string): boolean {
    if (!existsSync(path)) return true;
    try {
      this.traced(`rmdir ${path}`, () => rmdirSync(path));
      return true;
    } catch (err) {
      if (errCode(err) === 'ENOENT') return true;
      if (errCode(err) === 'EBUSY' || errCode(err) === 'ENOTEMPTY') return false;
      throw err;
    }
  }

  kill(pid: number): void {
    this.traced(`kill -KILL ${pid}`, () => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch (err) {
        if (errCode(err) !== 'ESRCH') throw err;
      }
    });
  }
}

function hint(file: string, code: string | undefined): string {
  if (code === 'EBUSY' && file === 'cgroup.subtree_control') {
    return 'cgroup v2 forbids processes in a non-root cgroup that hands controllers to its children ("no internal processes")';
  }
  if (code === 'EINVAL' && file.startsWith('cpuset.')) return 'the CPUs or memory nodes must exist and be allowed in the parent cgroup';
  if (code === 'EBUSY') return 'the current usage is above the new limit; lower usage first';
  if (code && NOT_WRITABLE.has(code)) return 'the cgroup tree is read-only or not delegated to this user';
  return 'check the value and that the controller is enabled';
}

export function readText(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'utf8').trim();
}

/** Reads a file if it exists: optional kernel features (memory.peak, cgroup.kill) vary by version. */
export function readOptional(dir: string, file: string): string | undefined {
  try {
    return readText(dir, file);
  } catch (err) {
    if (errCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** `key value` lines, as in memory.events, cpu.stat, memory.oom_control. */
export function parseKeyValues(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined) map.set(key, Number(value));
  }
  return map;
}

/** A cgroup.procs file: one pid a line. */
export function parsePids(text: string): number[] {
  return text.split('\n').filter((l) => l.trim() !== '').map(Number);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until cond() holds; false on timeout. */
export async function waitUntil(cond: () => boolean, ms: number, everyMs = 10): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(everyMs);
  }
  return true;
}
