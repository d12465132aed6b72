/** What a container's cgroup offers, whichever cgroup version is underneath. */
import type { Limits } from './limits.js';

export interface CgroupStats {
  /** Bytes; limit is null when there is none. maxUsage is the peak, when the kernel keeps one. */
  memory: { usage: number; limit: number | null; maxUsage?: number };
  /** CPU time used by every process in the cgroup, in nanoseconds. */
  cpu: { usageNs: number };
  pids: { current: number; limit: number | null };
}

export interface Cgroup {
  readonly name: string;
  readonly version: 1 | 2;
  /** v1: the container's directory in each controller's tree; v2: `{ unified: dir }`. */
  readonly paths: Readonly<Record<string, string>>;
  /** The directory to show in `inspect` (v2: the one; v1: the memory tree's). */
  readonly path: string;
  /** Limits that could not be applied on this machine, and why (e.g. swap accounting off). */
  readonly notes: string[];
  /** The cgroup.procs files the init helper writes the container's pid to before it runs. */
  procsFiles(): string[];
  /** Writes limits; returns notes about any that this machine cannot apply. */
  setLimits(limits: Limits): Promise<string[]>;
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  stats(): CgroupStats;
  oomKilled(): boolean;
  /** Every process in the cgroup and below it. */
  pids(): number[];
  /** Kills every process in the cgroup and waits until it is empty. */
  kill(): Promise<void>;
  /** Removes the cgroup's directories (kill first); retries while the kernel drains it. */
  remove(): Promise<void>;
}
