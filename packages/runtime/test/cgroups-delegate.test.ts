/**
 * Delegating a cgroup to an unprivileged owner, on the real kernel (as root, below the cgroup
 * this test runs in): the owner makes and limits children, moves processes among them, and
 * cannot raise the delegated cgroup's own limits or reach above it.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Cgroup, type CgroupTraceEvent, createCgroup, delegateCgroup, detectCgroups, joinTarget, removeStale, thawChildren } from '../src/cgroups/index.js';
import type { CgroupMount } from '../src/cgroups/detect.js';
import { delegatedPaths, isWithin, v2DirFromProcCgroup } from '../src/cgroups/delegate.js';
import { waitFor } from './helpers.js';

const PREFIX = `cgdelegate-${process.pid}-`;
/** An id no account uses, far below the sandboxes' ranges. */
const OWNER = { uid: 4_000_123, gid: 4_000_123 };
const made: Cgroup[] = [];
const children: ChildProcess[] = [];

before(() => {
  if (process.getuid?.() !== 0) throw new Error('the delegation tests need root (they create and chown cgroups): run them as root');
  detectCgroups();
});

after(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const cg of made) {
    thawChildren(cg);
    await cg.kill();
    await cg.remove();
  }
  await removeStale({ prefix: PREFIX });
});

async function make(suffix: string): Promise<Cgroup> {
  const cg = await createCgroup(PREFIX + suffix, { memory: 64 * 2 ** 20, pidsLimit: 32 });
  made.push(cg);
  return cg;
}

/** Runs a shell command as OWNER: the uid a sandbox's root is on the host. */
function asOwner(command: string): { ok: boolean; stderr: string } {
  const r = spawnSync('/bin/sh', ['-c', command], { uid: OWNER.uid, gid: OWNER.gid, encoding: 'utf8' });
  return { ok: r.status === 0, stderr: r.stderr };
}

function sleeper(): ChildProcess {
  const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
  children.push(child);
  return child;
}

const memoryLimitFile = (cg: Cgroup) => (cg.version === 2 ? 'memory.max' : 'memory.limit_in_bytes');
const memoryDir = (cg: Cgroup) => (cg.version === 2 ? cg.path : cg.paths.memory!);

describe('which paths are delegated', () => {
  it('v1: each distinct tree directory with its cgroup.procs and tasks (co-mounted trees once)', () => {
    assert.deepEqual(delegatedPaths({ version: 1, paths: { cpu: '/cg/cpu,cpuacct/x', cpuacct: '/cg/cpu,cpuacct/x', pids: '/cg/pids/x' } }), [
      '/cg/cpu,cpuacct/x', '/cg/cpu,cpuacct/x/cgroup.procs', '/cg/cpu,cpuacct/x/tasks',
      '/cg/pids/x', '/cg/pids/x/cgroup.procs', '/cg/pids/x/tasks',
    ]);
  });

  it('v2: the directory, cgroup.procs, cgroup.threads and cgroup.subtree_control; never a limit file', () => {
    const paths = delegatedPaths({ version: 2, paths: { unified: '/cg/x' } });
    assert.deepEqual(paths, ['/cg/x', '/cg/x/cgroup.procs', '/cg/x/cgroup.threads', '/cg/x/cgroup.subtree_control']);
  });
});

describe('where a process is in the unified tree', () => {
  const mounts: CgroupMount[] = [
    { fsType: 'cgroup', root: '/', mountPoint: '/sys/fs/cgroup/pids', readOnly: false, controllers: ['pids'] },
    { fsType: 'cgroup2', root: '/', mountPoint: '/sys/fs/cgroup', readOnly: false, controllers: [] },
  ];

  it('maps the 0:: line onto the cgroup2 mount', () => {
    assert.equal(v2DirFromProcCgroup('0::/svc/byhand/lab-1/init\n', mounts), '/sys/fs/cgroup/svc/byhand/lab-1/init');
  });

  it('keeps a name with a newline whole instead of reading a second line from it', () => {
    assert.equal(v2DirFromProcCgroup('0::/svc/lab-1/a\n0::/etc\n', mounts), '/sys/fs/cgroup/svc/lab-1/a\n0::/etc');
  });

  it('takes the last line on a hybrid host, where the v1 lines come first', () => {
    assert.equal(v2DirFromProcCgroup('4:pids:/svc\n0::/svc/lab-1\n', mounts), '/sys/fs/cgroup/svc/lab-1');
  });

  it('refuses what is not a v2 line, and .. segments', () => {
    assert.equal(v2DirFromProcCgroup('4:pids:/svc\n', mounts), undefined);
    assert.equal(v2DirFromProcCgroup('0::/svc/lab-1/../../etc\n', mounts), undefined);
  });

  it('isWithin: the directory itself and below it, not a sibling with a longer name', () => {
    assert.equal(isWithin('/cg/lab-1', '/cg/lab-1'), true);
    assert.equal(isWithin('/cg/lab-1/init', '/cg/lab-1'), true);
    assert.equal(isWithin('/cg/lab-12', '/cg/lab-1'), false);
    assert.equal(isWithin('/cg', '/cg/lab-1'), false);
  });
});

describe('a delegated cgroup on this kernel', () => {
  it('changes owner of the directory and process files only, each chown traced', async () => {
    const cg = await make('owner');
    const events: CgroupTraceEvent[] = [];
    delegateCgroup(cg, OWNER, (e) => events.push(e));
    for (const dir of new Set(Object.values(cg.paths))) {
      assert.equal(statSync(dir).uid, OWNER.uid, `${dir} belongs to the owner`);
      assert.equal(statSync(join(dir, 'cgroup.procs')).uid, OWNER.uid);
      assert.equal(statSync(dirname(dir)).uid, 0, `the parent of ${dir} stays root's`);
    }
    assert.equal(statSync(join(memoryDir(cg), memoryLimitFile(cg))).uid, 0, 'the memory limit stays root\'s');
    assert.ok(events.length > 0 && events.every((e) => e.command.startsWith(`chown ${OWNER.uid}:${OWNER.gid} `) && e.result === 'ok'));
  });

  it('lets the owner make and limit a child, and refuses it the cgroup\'s own limit and the parent', async () => {
    const cg = await make('limits');
    delegateCgroup(cg, OWNER);
    const own = memoryDir(cg);
    const file = memoryLimitFile(cg);
    // v2: the owner first hands the memory controller to its children, through the delegated subtree_control.
    const enable = cg.version === 2 ? `echo +memory > ${own}/cgroup.subtree_control && ` : '';
    assert.deepEqual(asOwner(`${enable}mkdir ${own}/child && echo 16777216 > ${own}/child/${file}`), { ok: true, stderr: '' });
    assert.equal(readFileSync(join(own, 'child', file), 'utf8').trim(), '16777216');
    const raise = asOwner(`echo 1073741824 > ${own}/${file}`);
    assert.equal(raise.ok, false, 'the owner raised the delegated cgroup\'s own memory limit');
    assert.match(raise.stderr, /Permission denied/);
    assert.equal(readFileSync(join(own, file), 'utf8').trim(), String(64 * 2 ** 20));
    const up = asOwner(`echo $$ > ${dirname(own)}/cgroup.procs`);
    assert.equal(up.ok, false, 'the owner moved a process into the parent cgroup');
  });

  it('refuses to delegate the root of a mounted hierarchy (release_agent lives there on v1)', () => {
    const layout = detectCgroups();
    const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
    const line = mountinfo.find((l) => / - cgroup2? /.test(l));
    assert.ok(line, 'a cgroup filesystem is mounted');
    const root = line.split(' ')[4]!;
    // Owner 0:0, so even a broken check changes nothing on the host.
    const version = layout.mode === 'v2' ? 2 : 1;
    assert.throws(() => delegateCgroup({ version, paths: { memory: root } }, { uid: 0, gid: 0 }), /refusing to delegate .*root of/);
  });

  it('thawChildren lets a kill end a child the owner froze', async () => {
    const cg = await make('frozen');
    delegateCgroup(cg, OWNER);
    const freezerDir = cg.version === 2 ? cg.path : cg.paths.freezer!;
    mkdirSync(join(freezerDir, 'ice'));
    const child = sleeper();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    writeFileSync(join(freezerDir, 'ice', 'cgroup.procs'), String(child.pid));
    if (cg.version === 2) writeFileSync(join(freezerDir, 'ice', 'cgroup.freeze'), '1');
    else writeFileSync(join(freezerDir, 'ice', 'freezer.state'), 'FROZEN');
    const frozen = () => (cg.version === 2
      ? readFileSync(join(freezerDir, 'ice', 'cgroup.events'), 'utf8').includes('frozen 1')
      : readFileSync(join(freezerDir, 'ice', 'freezer.state'), 'utf8').trim() === 'FROZEN');
    assert.ok(await waitFor(frozen, 5000), 'the child cgroup froze');
    const events: CgroupTraceEvent[] = [];
    thawChildren(cg, (e) => events.push(e));
    if (cg.version === 1) assert.deepEqual(events.map((e) => e.command), [`echo THAWED > ${join(freezerDir, 'ice', 'freezer.state')}`]);
    else assert.deepEqual(events, [], 'v2 needs no thaw: a fatal signal ends a frozen task');
    await cg.kill();
    await exited;
    await cg.remove();
    assert.ok(!existsSync(freezerDir), 'the cgroup and its child are removed');
  });

  it('joinTarget: v1 joins the cgroup\'s own files; v2 joins where the process is now, inside the cgroup only', async () => {
    const cg = await make('join');
    const inside = sleeper();
    if (cg.version === 1) {
      assert.deepEqual(joinTarget(cg.procsFiles(), inside.pid!), cg.procsFiles());
      return;
    }
    mkdirSync(join(cg.path, 'init'));
    writeFileSync(join(cg.path, 'init', 'cgroup.procs'), String(inside.pid));
    assert.deepEqual(joinTarget(cg.procsFiles(), inside.pid!), [join(cg.path, 'init', 'cgroup.procs')]);
    const outside = sleeper();
    assert.throws(() => joinTarget(cg.procsFiles(), outside.pid!), /not inside its own cgroup/);
  });

  it('joinTarget on a real cgroup2 tree (v2, or the unified tree of a hybrid host): where the process is now, never outside', async () => {
    const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.includes(' - cgroup2 '));
    assert.ok(line, 'this test needs a cgroup2 filesystem (mounted on every v2 and hybrid host)');
    const own = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => l.startsWith('0::'))!.slice(3);
    const top = join(line.split(' ')[4]!, own, `${PREFIX}unified`);
    mkdirSync(join(top, 'init'), { recursive: true });
    const inside = sleeper();
    const outside = sleeper();
    try {
      writeFileSync(join(top, 'init', 'cgroup.procs'), String(inside.pid));
      assert.deepEqual(joinTarget([join(top, 'cgroup.procs')], inside.pid!), [join(top, 'init', 'cgroup.procs')]);
      assert.throws(() => joinTarget([join(top, 'cgroup.procs')], outside.pid!), /not inside its own cgroup/);
    } finally {
      const exited = new Promise((resolve) => inside.once('exit', resolve));
      inside.kill('SIGKILL');
      await exited;
      assert.ok(await waitFor(() => readFileSync(join(top, 'init', 'cgroup.procs'), 'utf8') === '', 5000));
      rmdirSync(join(top, 'init'));
      rmdirSync(top);
    }
  });
});
