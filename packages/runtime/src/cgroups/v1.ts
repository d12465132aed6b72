/**
 * cgroup v1: one tree per controller. A container's cgroup is one directory per tree,
 * `<tree>/<our own cgroup>/byhand/<name>`, and its pid goes into each one's cgroup.procs.
 */
import { join } from 'node:path';
import type { CgroupLayout, V1Controller } from './detect.js';
import { type CgroupFiles, parseKeyValues, readOptional, readText, waitUntil } from './files.js';
import { assertFree, checkName, GROUP, killEach, makeLeaf, pidsUnder, removeTrees } from './lifecycle.js';
import { type Limits, cpusToQuota, memoryPlusSwap, pidsMax, validateLimits } from './limits.js';
import type { Cgroup, CgroupStats } from './types.js';

/** v1 reports "no limit" as the largest page-aligned 64-bit value; anything this big is none. */
const UNLIMITED = 2 ** 62;

function limitOrNull(text: string | undefined): number | null {
  if (text === undefined || text === 'max') return null;
  const n = Number(text);
  return n >= UNLIMITED ? null : n;
}

function num(text: string | undefined): number {
  return text === undefined ? 0 : Number(text);
}

/** A new v1 cpuset has no CPUs and no memory nodes, so no task could join it: inherit them. */
function inheritCpuset(files: CgroupFiles, parent: string, dir: string): void {
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    if (readText(dir, file) === '') files.write(dir, file, readText(parent, file));
  }
}

/** Our own directory in each tree, with the controllers it carries (cpu,cpuacct may share one). */
function treesByDir(layout: CgroupLayout): Map<string, V1Controller[]> {
  const trees = new Map<string, V1Controller[]>();
  for (const [controller, own] of Object.entries(layout.v1) as [V1Controller, string][]) {
    trees.set(own, [...(trees.get(own) ?? []), controller]);
  }
  return trees;
}

export class V1Cgroup implements Cgroup {
  readonly version = 1;
  readonly notes: string[] = [];

  constructor(
    readonly name: string,
    readonly paths: Readonly<Partial<Record<V1Controller, string>>>,
    private readonly files: CgroupFiles,
  ) {}

  get path(): string {
    return this.paths.memory ?? Object.values(this.paths)[0] ?? '';
  }

  /** The container's directory in each tree this machine mounts (one per tree when co-mounted). */
  static plan(layout: CgroupLayout, name: string): Partial<Record<V1Controller, string>> {
    checkName(name);
    const paths: Partial<Record<V1Controller, string>> = {};
    for (const [controller, own] of Object.entries(layout.v1) as [V1Controller, string][]) {
      paths[controller] = join(own, GROUP, name);
    }
    return paths;
  }

  static async create(layout: CgroupLayout, name: string, limits: Limits, files: CgroupFiles): Promise<V1Cgroup> {
    validateLimits(limits);
    const cg = new V1Cgroup(name, V1Cgroup.plan(layout, name), files);
    assertFree(name, cg.dirs());
    try {
      for (const [own, controllers] of treesByDir(layout)) {
        const groupDir = join(own, GROUP);
        const leaf = join(groupDir, name);
        const cpuset = controllers.includes('cpuset');
        makeLeaf(files, groupDir, leaf, () => {
          if (cpuset) inheritCpuset(files, own, groupDir);
        });
        if (cpuset) inheritCpuset(files, groupDir, leaf);
      }
      await cg.setLimits(limits);
    } catch (err) {
      await cg.remove().catch(() => undefined);
      throw err;
    }
    return cg;
  }

  private dir(controller: V1Controller): string {
    const dir = this.paths[controller];
    if (!dir) throw new Error(`the ${controller} cgroup controller is not mounted on this machine, so this limit cannot be applied`);
    return dir;
  }

  /** Distinct directories: co-mounted controllers (cpu,cpuacct) share one. */
  private dirs(): string[] {
    return [...new Set(Object.values(this.paths))];
  }

  procsFiles(): string[] {
    return this.dirs().map((d) => join(d, 'cgroup.procs'));
  }

  async setLimits(limits: Limits): Promise<string[]> {
    validateLimits(limits);
    const notes: string[] = [];
    if (limits.memory !== undefined || limits.memorySwap !== undefined) notes.push(...this.setMemory(limits));
    if (limits.cpuShares !== undefined) this.files.write(this.dir('cpu'), 'cpu.shares', limits.cpuShares);
    if (limits.cpus !== undefined) {
      const { quotaUs, periodUs } = cpusToQuota(limits.cpus);
      this.files.write(this.dir('cpu'), 'cpu.cfs_period_us', periodUs);
      this.files.write(this.dir('cpu'), 'cpu.cfs_quota_us', quotaUs);
    }
    if (limits.cpusetCpus !== undefined) this.files.write(this.dir('cpuset'), 'cpuset.cpus', limits.cpusetCpus);
    if (limits.pidsLimit !== undefined) this.files.write(this.dir('pids'), 'pids.max', pidsMax(limits.pidsLimit));
    this.notes.push(...notes);
    return notes;
  }

  /**
   * memory.memsw.limit_in_bytes (memory + swap) may never be below memory.limit_in_bytes, so
   * when the memory limit grows past the current memsw limit, memsw must be raised first.
   */
  private setMemory(limits: Limits): string[] {
    const dir = this.dir('memory');
    const total = memoryPlusSwap(limits);
    const memsw = readOptional(dir, 'memory.memsw.limit_in_bytes');
    const writeMemory = () => {
      if (limits.memory !== undefined) this.files.write(dir, 'memory.limit_in_bytes', limits.memory);
    };
    if (total === undefined) {
      writeMemory();
      return [];
    }
    if (memsw === undefined) {
      writeMemory();
      return limits.memorySwap === undefined ? [] : ['--memory-swap was not applied: swap accounting is off on this kernel (memory.memsw.* is missing; boot with swapaccount=1)'];
    }
    const writeSwap = () => this.files.write(dir, 'memory.memsw.limit_in_bytes', total === 'max' ? -1 : total);
    if (limits.memory !== undefined && limits.memory > Number(memsw)) {
      writeSwap();
      writeMemory();
    } else {
      writeMemory();
      writeSwap();
    }
    return [];
  }

  async freeze(): Promise<void> {
    await this.setFreezer('FROZEN');
  }

  async thaw(): Promise<void> {
    await this.setFreezer('THAWED');
  }

  /** The kernel passes through FREEZING while it stops each task; wait for the end state. */
  private async setFreezer(state: 'FROZEN' | 'THAWED'): Promise<void> {
    const dir = this.dir('freezer');
    this.files.write(dir, 'freezer.state', state);
    if (!(await waitUntil(() => readText(dir, 'freezer.state') === state, 5000))) {
      throw new Error(`${dir} did not reach ${state} within 5 s (a task is stuck in the kernel)`);
    }
  }

  stats(): CgroupStats {
    const { memory, cpuacct, pids } = this.paths;
    const read = (dir: string | undefined, file: string) => (dir ? readOptional(dir, file) : undefined);
    const maxUsage = read(memory, 'memory.max_usage_in_bytes');
    return {
      memory: {
        usage: num(read(memory, 'memory.usage_in_bytes')),
        limit: limitOrNull(read(memory, 'memory.limit_in_bytes')),
        ...(maxUsage === undefined ? {} : { maxUsage: Number(maxUsage) }),
      },
      cpu: { usageNs: num(read(cpuacct, 'cpuacct.usage')) },
      pids: { current: num(read(pids, 'pids.current')), limit: limitOrNull(read(pids, 'pids.max')) },
    };
  }

  /** oom_kill counts kills (Linux 4.13+); under_oom covers a cgroup stuck with the killer off. */
  oomKilled(): boolean {
    const dir = this.paths.memory;
    const control = dir ? readOptional(dir, 'memory.oom_control') : undefined;
    if (control === undefined) return false;
    const values = parseKeyValues(control);
    return (values.get('oom_kill') ?? 0) > 0 || values.get('under_oom') === 1;
  }

  pids(): number[] {
    return pidsUnder(this.dirs());
  }

  async kill(): Promise<void> {
    await killEach(this, this.files, this.paths.freezer !== undefined, this.path);
  }

  async remove(): Promise<void> {
    await removeTrees(this.files, this.dirs());
  }
}
