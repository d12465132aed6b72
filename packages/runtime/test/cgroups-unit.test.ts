/** The pure parts of cgroups: detection from /proc text, limit arithmetic, v2 parsing and planning. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { layoutFrom, parseMountinfo } from '../src/cgroups/detect.js';
import { CgroupsUnavailableError } from '../src/cgroups/files.js';
import { cpusToQuota, memoryPlusSwap, sharesToWeight, swapOnly, validateLimits } from '../src/cgroups/limits.js';
import { cpuUsageNs, parseMemoryEvents, planV2, subtreeControlChange } from '../src/cgroups/v2.js';

const HYBRID_MOUNTINFO = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate`;

const HYBRID_SELF = `9:name=systemd:/user.slice
8:pids:/user.slice/session-1.scope
6:freezer:/
4:memory:/process_api/abc
3:cpuset:/
2:cpu,cpuacct:/user.slice
0::/user.slice/session-1.scope`;

const V2_MOUNTINFO = `24 1 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot`;

describe('cgroup detection', () => {
  it('finds our own directory in each v1 tree on a hybrid machine, co-mounted trees included', () => {
    const layout = layoutFrom(HYBRID_MOUNTINFO, HYBRID_SELF);
    assert.equal(layout.mode, 'hybrid');
    assert.deepEqual(layout.v1, {
      memory: '/sys/fs/cgroup/memory/process_api/abc',
      cpu: '/sys/fs/cgroup/cpu,cpuacct/user.slice',
      cpuacct: '/sys/fs/cgroup/cpu,cpuacct/user.slice',
      cpuset: '/sys/fs/cgroup/cpuset',
      pids: '/sys/fs/cgroup/pids/user.slice/session-1.scope',
      freezer: '/sys/fs/cgroup/freezer',
    });
    assert.equal(layout.v2, undefined);
  });

  it('calls it plain v1 when there is no cgroup2 mount', () => {
    const mountinfo = HYBRID_MOUNTINFO.split('\n').filter((l) => !l.includes('cgroup2')).join('\n');
    assert.equal(layoutFrom(mountinfo, HYBRID_SELF).mode, 'v1');
  });

  it('finds our own directory in the unified tree on v2, also inside a cgroup namespace', () => {
    assert.deepEqual(layoutFrom(V2_MOUNTINFO, '0::/system.slice/byhand-agent.service/runtime\n'),
      { mode: 'v2', v1: {}, v2: '/sys/fs/cgroup/system.slice/byhand-agent.service/runtime' });
    // Inside a cgroup namespace both the mount root and our path are relative to the namespace.
    assert.deepEqual(layoutFrom(V2_MOUNTINFO, '0::/\n'), { mode: 'v2', v1: {}, v2: '/sys/fs/cgroup' });
  });

  it('maps a mount of a sub-tree (a container\'s view) and unescapes mount points', () => {
    const mountinfo = '50 40 0:22 /lab/s1 /sys/fs/cgroup\\040x rw - cgroup2 cgroup2 rw';
    assert.equal(parseMountinfo(mountinfo)[0]?.mountPoint, '/sys/fs/cgroup x');
    assert.equal(layoutFrom(mountinfo, '0::/lab/s1/shell\n').v2, '/sys/fs/cgroup x/shell');
  });

  it('says cgroups are not writable when the tree is read-only, hidden, or missing', () => {
    const readOnly = V2_MOUNTINFO.replace('rw,nosuid', 'ro,nosuid');
    assert.throws(() => layoutFrom(readOnly, '0::/\n'),
      (err: Error) => err instanceof CgroupsUnavailableError && /not writable here: .*read-only at \/sys\/fs\/cgroup/.test(err.message));
    assert.throws(() => layoutFrom(V2_MOUNTINFO, '0::/../../outside\n'),
      (err: Error) => err instanceof CgroupsUnavailableError && /outside what is mounted/.test(err.message));
    assert.throws(() => layoutFrom('22 1 0:5 / /proc rw - proc proc rw', '0::/\n'),
      (err: Error) => err instanceof CgroupsUnavailableError && /no cgroup filesystem is mounted/.test(err.message));
  });
});

describe('limit arithmetic', () => {
  it('maps cpu shares to v2 cpu.weight as runc and Docker do', () => {
    assert.equal(sharesToWeight(2), 1);
    assert.equal(sharesToWeight(512), 20);
    assert.equal(sharesToWeight(1024), 39);
    assert.equal(sharesToWeight(262144), 10000);
  });

  it('turns --cpus into a CFS quota over a 100 ms period', () => {
    assert.deepEqual(cpusToQuota(1.5), { quotaUs: 150000, periodUs: 100000 });
    assert.deepEqual(cpusToQuota(0.25), { quotaUs: 25000, periodUs: 100000 });
  });

  it('counts --memory-swap as memory plus swap, with Docker\'s defaults', () => {
    const m = 64 * 2 ** 20;
    assert.equal(memoryPlusSwap({ memory: m }), 2 * m, 'unset: as much swap as memory');
    assert.equal(memoryPlusSwap({ memory: m, memorySwap: 3 * m }), 3 * m);
    assert.equal(memoryPlusSwap({ memory: m, memorySwap: -1 }), 'max');
    assert.equal(memoryPlusSwap({}), undefined);
    assert.equal(swapOnly({ memory: m, memorySwap: 3 * m }), 2 * m, 'v2 memory.swap.max is swap alone');
    assert.equal(swapOnly({ memory: m, memorySwap: m }), 0, 'equal means no swap at all');
    assert.equal(swapOnly({ memory: m, memorySwap: -1 }), 'max');
  });

  it('rejects bad limits with a message that says what to give instead', () => {
    assert.throws(() => validateLimits({ memory: 1000 }), /at least 6291456 \(6m\)/);
    assert.throws(() => validateLimits({ memorySwap: 2 ** 30 }), /needs --memory too/);
    assert.throws(() => validateLimits({ memory: 2 ** 30, memorySwap: 2 ** 29 }), /must be at least as large/);
    assert.throws(() => validateLimits({ cpuShares: 1 }), /from 2 to 262144/);
    assert.throws(() => validateLimits({ cpus: 0 }), /at least 0.01/);
    assert.throws(() => validateLimits({ cpusetCpus: '0;1' }), /such as 0 or 0-1,3/);
    assert.doesNotThrow(() => validateLimits({ memory: 2 ** 26, memorySwap: -1, cpuShares: 512, cpus: 0.5, cpusetCpus: '0-1,3', pidsLimit: 0 }));
  });
});

describe('cgroup v2 parts', () => {
  it('plans containers beside the runtime\'s own leaf, all below the cgroup it started in', () => {
    // First run: the agent's service cgroup holds the agent; it moves down into init/.
    assert.deepEqual(planV2('/sys/fs/cgroup/system.slice/agent.service', 'web'), {
      base: '/sys/fs/cgroup/system.slice/agent.service',
      evacuateTo: '/sys/fs/cgroup/system.slice/agent.service/init',
      group: '/sys/fs/cgroup/system.slice/agent.service/byhand',
      leaf: '/sys/fs/cgroup/system.slice/agent.service/byhand/web',
    });
    // Later runs start in init/ and use the same byhand node beside it.
    assert.deepEqual(planV2('/sys/fs/cgroup/system.slice/agent.service/init', 'web'), {
      base: '/sys/fs/cgroup/system.slice/agent.service',
      group: '/sys/fs/cgroup/system.slice/agent.service/byhand',
      leaf: '/sys/fs/cgroup/system.slice/agent.service/byhand/web',
    });
    assert.throws(() => planV2('/sys/fs/cgroup', '../escape'), /is invalid/);
  });

  it('enables in cgroup.subtree_control only the wanted controllers that are available and off', () => {
    assert.equal(subtreeControlChange('cpuset cpu io memory hugetlb pids rdma misc', 'cpu io'), '+cpuset +memory +pids');
    assert.equal(subtreeControlChange('cpu memory pids', 'cpu memory pids'), '');
    assert.equal(subtreeControlChange('', ''), '');
  });

  it('reads OOM kills from memory.events and CPU time from cpu.stat', () => {
    assert.deepEqual(parseMemoryEvents('low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n'), { oom: 1, oomKill: 1, max: 12 });
    assert.equal(cpuUsageNs('usage_usec 2500\nuser_usec 2000\nsystem_usec 500\nnr_periods 0\n'), 2_500_000);
  });
});
