/**
 * cgroup v2: one tree. The container's cgroup is the leaf `<start>/byhand/<name>`.
 *
 * The rule that shapes this: a non-root cgroup that hands controllers to its children (through
 * cgroup.subtree_control) may hold no processes itself ("no internal processes"). Our own cgroup
 * always holds at least this process, so the runtime's processes live in a leaf `init` and the
 * containers beside it, both below the cgroup the runtime was started in:
 *
 *   <start>/            controllers enabled for its children, no processes
 *   <start>/init/       the runtime (and whatever else was in <start>)
 *   <start>/byhand/     an empty inner node that passes the controllers on
 *   <start>/byhand/web  a container's leaf
 *
 * The first run moves <start>'s processes down into init/ (as systemd asks of a delegated
 * service, and as docker-in-docker does); later runs find themselves in init/ already.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CgroupLayout } from './detect.js';
import { type CgroupFiles, CgroupsUnavailableError, parseKeyValues, parsePids, readOptional, readText, waitUntil } from './files.js';
import { assertFree, checkName, GROUP, killEach, makeLeaf, pidsUnder, removeTrees } from './lifecycle.js';
import { type Limits, cpusToQuota, pidsMax, sharesToWeight, swapOnly, validateLimits } from './limits.js';
import type { Cgroup, CgroupStats } from './types.js';

/** The controllers a container's limits and stats need. */
export const V2_CONTROLLERS = ['cpu', 'cpuset', 'memory', 'pids'] as const;

/** The leaf the runtime's own processes live in, beside the byhand node. */
export const INIT_LEAF = 'init';

export interface V2Plan {
  /** The cgroup that hands the controllers to byhand/ (and holds no processes). */
  base: string;
  /** Where our own cgroup's processes move first if it still holds them; none when we are in init/. */
  evacuateTo?: string;
  /** The empty inner node holding every container's cgroup. */
  group: string;
  /** The container's leaf. */
  leaf: string;
}

/** The byhand node for a runtime whose own cgroup is `own`. */
export function v2GroupDir(own: string): string {
  return join(basename(own) === INIT_LEAF ? dirname(own) : own, GROUP);
}

export function planV2(own: string, name: string): V2Plan {
  checkName(name);
  const group = v2GroupDir(own);
  const base = dirname(group);
  return { base, ...(base === own ? { evacuateTo: join(own, INIT_LEAF) } : {}), group, leaf: join(group, name) };
}

/** `+memory +pids` for the controllers that `available` has and `enabled` does not yet. */
export function subtreeControlChange(available: string, enabled: string): string {
  const have = new Set(available.split(/\s+/));
  const on = new Set(enabled.split(/\s+/));
  return V2_CONTROLLERS.filter((c) => have.has(c) && !on.has(c)).map((c) => `+${c}`).join(' ');
}

function errnoOf(err: unknown): string | undefined {
  return ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code;
}

/** Turns on in dir's children every controller dir has; the error explains the v2 rules. */
function delegate(files: CgroupFiles, dir: string): void {
  const change = subtreeControlChange(readText(dir, 'cgroup.controllers'), readText(dir, 'cgroup.subtree_control'));
  if (change === '') return;
  try {
    files.write(dir, 'cgroup.subtree_control', change);
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new CgroupsUnavailableError(`${dir}/cgroup.subtree_control is not writable (${code}): this sub-tree is not delegated to this user`);
    }
    throw err;
  }
}

/** Moves every process of `from` into its leaf `to`, until none is left (they may be forking). */
function evacuate(files: CgroupFiles, from: string, to: string): void {
  files.mkdir(to);
  for (let round = 0; round < 10; round++) {
    const pids = parsePids(readText(from, 'cgroup.procs'));
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        files.write(to, 'cgroup.procs', pid);
      } catch (err) {
        if (errnoOf(err) !== 'ESRCH') throw err;
      }
    }
  }
  throw new Error(`${from} still holds processes after moving them to ${to} ten times (something keeps forking there)`);
}

/** Makes plan.base hand out controllers, moving processes out of its way if it has to. */
function prepareBase(files: CgroupFiles, plan: V2Plan): void {
  try {
    delegate(files, plan.base);
    return;
  } catch (err) {
    if (errnoOf(err) !== 'EBUSY') throw err;
    if (!plan.evacuateTo) {
      throw new CgroupsUnavailableError(`${plan.base} holds processes, and cgroup v2 lets only a cgroup without processes give controllers to its children ("no internal processes"); move them into ${join(plan.base, INIT_LEAF)} or run byhand from a delegated sub-tree`);
    }
  }
  evacuate(files, plan.base, plan.evacuateTo);
  delegate(files, plan.base);
}

/** memory.events and cpu.stat are `key value` lines. */
export function parseMemoryEvents(text: string): { oom: number; oomKill: number; max: number } {
  const v = parseKeyValues(text);
  return { oom: v.get('oom') ?? 0, oomKill: v.get('oom_kill') ?? 0, max: v.get('max') ?? 0 };
}

export function cpuUsageNs(cpuStat: string): number {
  return (parseKeyValues(cpuStat).get('usage_usec') ?? 0) * 1000;
}

function limitOrNull(text: string | undefined): number | null {
  return text === undefined || text === 'max' ? null : Number(text);
}

export class V2Cgroup implements Cgroup {
  readonly version = 2;
  readonly notes: string[] = [];

  constructor(
    readonly name: string,
    readonly path: string,
    private readonly files: CgroupFiles,
  ) {}

  get paths(): Readonly<Record<string, string>> {
    return { unified: this.path };
  }

  static async create(layout: CgroupLayout, name: string, limits: Limits, files: CgroupFiles): Promise<V2Cgroup> {
    validateLimits(limits);
    if (!layout.v2) throw new Error('createCgroup for v2 needs a v2 layout');
    const plan = planV2(layout.v2, name);
    assertFree(name, [plan.leaf]);
    requireControllers(plan.base, limits);
    const cg = new V2Cgroup(name, plan.leaf, files);
    try {
      prepareBase(files, plan);
      makeLeaf(files, plan.group, plan.leaf, () => delegate(files, plan.group));
      await cg.setLimits(limits);
    } catch (err) {
      await cg.remove().catch(() => undefined);
      throw err;
    }
    return cg;
  }

  procsFiles(): string[] {
    return [join(this.path, 'cgroup.procs')];
  }

  async setLimits(limits: Limits): Promise<string[]> {
    validateLimits(limits);
    const notes: string[] = [];
    const write = (file: string, value: string | number) => this.files.write(this.path, file, value);
    if (limits.memory !== undefined) write('memory.max', limits.memory);
    const swap = swapOnly(limits);
    if (swap !== undefined) {
      if (existsSync(join(this.path, 'memory.swap.max'))) write('memory.swap.max', swap);
      else if (limits.memorySwap !== undefined) notes.push('--memory-swap was not applied: swap accounting is off on this kernel (memory.swap.max is missing)');
    }
    if (limits.cpuShares !== undefined) write('cpu.weight', sharesToWeight(limits.cpuShares));
    if (limits.cpus !== undefined) {
      const { quotaUs, periodUs } = cpusToQuota(limits.cpus);
      write('cpu.max', `${quotaUs} ${periodUs}`);
    }
    if (limits.cpusetCpus !== undefined) write('cpuset.cpus', limits.cpusetCpus);
    if (limits.pidsLimit !== undefined) write('pids.max', pidsMax(limits.pidsLimit));
    this.notes.push(...notes);
    return notes;
  }

  async freeze(): Promise<void> {
    await this.setFrozen(1);
  }

  async thaw(): Promise<void> {
    await this.setFrozen(0);
  }

  /** cgroup.freeze asks; cgroup.events says `frozen 1` once every task has stopped. */
  private async setFrozen(value: 0 | 1): Promise<void> {
    this.files.write(this.path, 'cgroup.freeze', value);
    const done = () => parseKeyValues(readText(this.path, 'cgroup.events')).get('frozen') === value;
    if (!(await waitUntil(done, 5000))) {
      throw new Error(`${this.path} did not become ${value ? 'frozen' : 'thawed'} within 5 s (a task is stuck in the kernel)`);
    }
  }

  stats(): CgroupStats {
    const read = (file: string) => readOptional(this.path, file);
    const peak = read('memory.peak');
    return {
      memory: {
        usage: Number(read('memory.current') ?? 0),
        limit: limitOrNull(read('memory.max')),
        ...(peak === undefined ? {} : { maxUsage: Number(peak) }),
      },
      cpu: { usageNs: cpuUsageNs(read('cpu.stat') ?? '') },
      pids: { current: Number(read('pids.current') ?? 0), limit: limitOrNull(read('pids.max')) },
    };
  }

  oomKilled(): boolean {
    const events = readOptional(this.path, 'memory.events');
    return events !== undefined && parseMemoryEvents(events).oomKill > 0;
  }

  pids(): number[] {
    return pidsUnder([this.path]);
  }

  /** cgroup.kill (Linux 5.14+) kills the whole sub-tree atomically, fork bombs included. */
  async kill(): Promise<void> {
    if (!existsSync(join(this.path, 'cgroup.kill'))) {
      await killEach(this, this.files, true, this.path);
      return;
    }
    this.files.write(this.path, 'cgroup.kill', 1);
    if (!(await waitUntil(() => this.pids().length === 0, 5000))) {
      throw new Error(`processes ${this.pids().join(' ')} in ${this.path} survived cgroup.kill for 5 s (stuck in the kernel); try again later`);
    }
  }

  async remove(): Promise<void> {
    await removeTrees(this.files, [this.path]);
  }
}

/** A limit whose controller our own cgroup does not have cannot be delegated further down. */
function requireControllers(own: string, limits: Limits): void {
  const available = new Set(readText(own, 'cgroup.controllers').split(/\s+/));
  const needed: [boolean, string][] = [
    [limits.memory !== undefined || limits.memorySwap !== undefined, 'memory'],
    [limits.cpuShares !== undefined || limits.cpus !== undefined, 'cpu'],
    [limits.cpusetCpus !== undefined, 'cpuset'],
    [limits.pidsLimit !== undefined, 'pids'],
  ];
  for (const [wanted, controller] of needed) {
    if (wanted && !available.has(controller)) {
      throw new Error(`the ${controller} controller is not available in ${own} (its cgroup.controllers lists: ${[...available].join(' ') || 'none'}); ask for it to be delegated to this cgroup`);
    }
  }
}
