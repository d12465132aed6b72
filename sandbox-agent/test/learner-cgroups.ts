/**
 * What a learner types in lesson 05, for either cgroup version: the tests build their commands
 * from these so that one test runs on a v1 hybrid host (here) and on v2 (classrooms).
 */
import type { TermClient } from './helpers.js';

/** A v1 tree, named as it is mounted inside the sandbox by the lesson's mount step. */
export type Tree = 'memory' | 'cpu' | 'cpuacct' | 'pids' | 'freezer';
const TREES: Tree[] = ['memory', 'cpu', 'cpuacct', 'pids', 'freezer'];

const MOUNT_V2 = 'mount -t cgroup2 cgroup2 /sys/fs/cgroup && cd /sys/fs/cgroup && mkdir -p init && ' +
  "for p in $(cat cgroup.procs); do echo $p > init/cgroup.procs; done; echo '+memory +cpu +pids' > cgroup.subtree_control; cd";
const MOUNT_V1 = 'mount -t tmpfs cgroups /sys/fs/cgroup && cd /sys/fs/cgroup && ' +
  "for h in $(cut -d: -f2 /proc/self/cgroup | grep -xE 'memory|cpu|cpuacct|cpu,cpuacct|pids|freezer'); do mkdir $h && mount -t cgroup -o $h cgroup $h; done; " +
  '[ -d cpu,cpuacct ] && ln -s cpu,cpuacct cpu && ln -s cpu,cpuacct cpuacct; cd';

export function cgroupShell(v2: boolean) {
  const dir = (name: string, tree: Tree) => (v2 ? `/sys/fs/cgroup/${name}` : `/sys/fs/cgroup/${tree}/${name}`);
  const procs = (name: string, tree: Tree) => `${dir(name, tree)}/cgroup.procs`;
  return {
    v2,
    /** The lesson's mount step; on v2 with its "no internal processes" step (everything into init/). */
    mount: v2 ? MOUNT_V2 : MOUNT_V1,
    dir,
    procs,
    mkdir: (name: string, tree: Tree) => `mkdir ${dir(name, tree)}`,
    /** The memory limit, with no swap on top where the kernel accounts swap. */
    limitMemory: (name: string, value: string) => {
      const d = dir(name, 'memory');
      return v2
        ? `echo ${value} > ${d}/memory.max && { [ ! -e ${d}/memory.swap.max ] || echo 0 > ${d}/memory.swap.max; }`
        : `echo ${value} > ${d}/memory.limit_in_bytes && { [ ! -e ${d}/memory.memsw.limit_in_bytes ] || echo ${value} > ${d}/memory.memsw.limit_in_bytes; }`;
    },
    /** The session's own memory limit file (the top of the learner's tree). */
    memoryLimitFile: v2 ? '/sys/fs/cgroup/memory.max' : '/sys/fs/cgroup/memory/memory.limit_in_bytes',
    pidsMaxFile: v2 ? '/sys/fs/cgroup/pids.max' : '/sys/fs/cgroup/pids/pids.max',
    /** The session's own CPU quota file, and the value that would lift the quota. */
    cpuQuota: v2 ? { file: '/sys/fs/cgroup/cpu.max', none: 'max' } : { file: '/sys/fs/cgroup/cpu/cpu.cfs_quota_us', none: '-1' },
    oomKills: (name: string) => (v2
      ? `awk '$1 == "oom_kill" {print $2}' ${dir(name, 'memory')}/memory.events`
      : `awk '$1 == "oom_kill" {print $2}' ${dir(name, 'memory')}/memory.oom_control`),
    /** Kills every process in the cgroup and waits until it is empty. */
    killAll: (name: string, tree: Tree) => (v2
      ? `echo 1 > ${dir(name, tree)}/cgroup.kill`
      : `while [ -n "$(cat ${procs(name, tree)})" ]; do kill -9 $(cat ${procs(name, tree)}) 2>/dev/null; done`) +
      `; for i in $(seq 50); do [ -z "$(cat ${procs(name, tree)})" ] && break; sleep 0.1; done`,
    freeze: (name: string) => (v2 ? `echo 1 > ${dir(name, 'freezer')}/cgroup.freeze` : `echo FROZEN > ${dir(name, 'freezer')}/freezer.state`),
    /** Moves every process of the sandbox, pid 1 included, into the child `name` (in every v1 tree). */
    moveAllTo: (name: string) => (v2
      ? `mkdir -p /sys/fs/cgroup/${name} && for p in $(cat /sys/fs/cgroup/cgroup.procs); do echo $p > /sys/fs/cgroup/${name}/cgroup.procs; done`
      : `for h in ${TREES.join(' ')}; do mkdir -p /sys/fs/cgroup/$h/${name} && for p in $(cat /sys/fs/cgroup/$h/cgroup.procs); do echo $p > /sys/fs/cgroup/$h/${name}/cgroup.procs 2>/dev/null; done; done`),
  };
}

/** Runs commands in a learner's terminal and returns what they printed (stdout and stderr) and their status. */
export function learnerShell(term: TermClient) {
  return async (command: string, timeoutMs = 15_000): Promise<string> => {
    const tag = Math.random().toString(36).slice(2, 8);
    term.output = '';
    // The quotes keep the echo of the typed line from matching the markers.
    term.type(`echo beg""in-${tag}; { ${command} ; } 2>&1; echo "end-${tag}"":"$?\r`);
    await term.waitForOutput(`end-${tag}:`, timeoutMs);
    await term.waitForOutput('\n', 1_000);
    const out = term.output;
    return out.slice(out.indexOf(`begin-${tag}`) + `begin-${tag}`.length, out.lastIndexOf(`end-${tag}:`) + 12);
  };
}
