/**
 * Real cgroups, as root, below the cgroup this test runs in: limits land in the kernel's files
 * and the kernel enforces them (OOM kill, freezer, fork limit, CPU shares).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Cgroup, type CgroupTraceEvent, createCgroup, detectCgroups, findCgroups, removeStale } from '../src/cgroups/index.js';
import { waitFor } from './helpers.js';

const MiB = 2 ** 20;
const BUSYBOX = '/bin/busybox';
/** Names unique to this run: other runs may share the byhand node of a v1 tree. */
const PREFIX = `cgtest-${process.pid}-`;
const made: Cgroup[] = [];

before(() => {
  if (process.getuid?.() !== 0) throw new Error('the cgroup tests need root (they create cgroups): run them as root');
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing: install Debian's busybox-static (npm run setup does)`);
  detectCgroups();
});

after(async () => {
  for (const cg of made) {
    await cg.kill();
    await cg.remove();
  }
  // Also drops the byhand nodes once empty, so the tests leave the trees as they found them.
  await removeStale({ prefix: PREFIX });
});

async function make(suffix: string, limits: Parameters<typeof createCgroup>[1], onTrace?: (e: CgroupTraceEvent) => void): Promise<Cgroup> {
  const cg = await createCgroup(PREFIX + suffix, limits, { onTrace });
  made.push(cg);
  return cg;
}


const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Started {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs a busybox shell that first writes its own pid into each procs file (as the init helper
 * does for a container), then runs script; resolves once the shell has joined.
 */
async function startIn(cg: Cgroup, script: string): Promise<Started> {
  const child = spawn(BUSYBOX, ['sh', '-c', 'for f; do echo $$ > "$f" || exit 99; done; echo joined; eval "$SCRIPT"', 'sh', ...cg.procsFiles()],
    { env: { PATH: '/bin:/usr/bin', SCRIPT: script }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  assert.ok(await waitFor(() => stdout.startsWith('joined'), 5000), `pid ${child.pid} joined ${cg.path}; stderr: ${stderr}`);
  return { child, stderr: () => stderr, exit };
}

const read = (dir: string | undefined, file: string) => readFileSync(join(dir ?? '', file), 'utf8').trim();

describe('a container cgroup', () => {
  it('is made below our own cgroup and each limit is written to its file', async () => {
    const events: CgroupTraceEvent[] = [];
    const cg = await make('limits', { memory: 64 * MiB, memorySwap: 128 * MiB, cpuShares: 512, cpus: 0.5, cpusetCpus: '0', pidsLimit: 32 },
      (e) => events.push(e));
    const layout = detectCgroups();
    if (cg.version === 2) {
      // On v2 the runtime moves itself into an `init` leaf and puts containers beside it.
      assert.equal(basename(layout.v2 ?? ''), 'init', 'the runtime moved itself into the init leaf');
      assert.equal(cg.path, join(dirname(layout.v2 ?? ''), 'byhand', `${PREFIX}limits`));
      assert.equal(read(cg.path, 'memory.max'), String(64 * MiB));
      assert.equal(read(cg.path, 'memory.swap.max'), String(64 * MiB));
      assert.equal(read(cg.path, 'cpu.weight'), '20');
      assert.equal(read(cg.path, 'cpu.max'), '50000 100000');
      assert.equal(read(cg.path, 'cpuset.cpus'), '0');
      assert.equal(read(cg.path, 'pids.max'), '32');
    } else {
      const p = cg.paths;
      assert.equal(p.memory, join(layout.v1.memory ?? '', 'byhand', `${PREFIX}limits`));
      assert.equal(read(p.memory, 'memory.limit_in_bytes'), String(64 * MiB));
      assert.equal(read(p.memory, 'memory.memsw.limit_in_bytes'), String(128 * MiB));
      assert.equal(read(p.cpu, 'cpu.shares'), '512');
      assert.equal(read(p.cpu, 'cpu.cfs_period_us'), '100000');
      assert.equal(read(p.cpu, 'cpu.cfs_quota_us'), '50000');
      assert.equal(read(p.cpuset, 'cpuset.cpus'), '0');
      assert.equal(read(p.cpuset, 'cpuset.mems'), read(layout.v1.cpuset, 'cpuset.mems'), 'memory nodes inherited so tasks can join');
      assert.equal(read(p.pids, 'pids.max'), '32');
      const memoryWrite = events.find((e) => e.command === `echo ${64 * MiB} > ${p.memory}/memory.limit_in_bytes`);
      assert.equal(memoryWrite?.result, 'ok', 'the memory write is traced as the shell command');
      assert.ok(events.some((e) => e.command === `mkdir ${p.memory}`), 'the mkdir is traced');
    }
    assert.deepEqual(cg.stats().memory.limit, 64 * MiB);
    assert.deepEqual(cg.stats().pids.limit, 32);
    // Raising memory above the current memory+swap limit needs the swap limit raised first (v1).
    await cg.setLimits({ memory: 256 * MiB, memorySwap: 512 * MiB, pidsLimit: 0 });
    assert.equal(cg.stats().memory.limit, 256 * MiB);
    assert.equal(cg.stats().pids.limit, null, 'pids limit 0 means unlimited, as in Docker');
  });

  it('refuses a name already in use and leaves the existing cgroup alone', async () => {
    const cg = await make('taken', { pidsLimit: 5 });
    await assert.rejects(createCgroup(PREFIX + 'taken', {}), /a cgroup named .*taken already exists at .*choose another name/);
    assert.equal(cg.stats().pids.limit, 5);
    assert.ok(cg.procsFiles().every((f) => existsSync(f)));
  });

  it('lists a process moved into it, and kill() empties it', async () => {
    const cg = await make('procs', {});
    const run = await startIn(cg, 'exec sleep 30');
    assert.deepEqual(cg.pids(), [run.child.pid]);
    assert.equal(cg.stats().pids.current, 1);
    await cg.kill();
    assert.equal((await run.exit).signal, 'SIGKILL');
    assert.deepEqual(cg.pids(), []);
  });

  it('OOM-kills a memory hog over its limit and reports it', async () => {
    const cg = await make('oom', { memory: 64 * MiB, memorySwap: 64 * MiB });
    const run = await startIn(cg, 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo survived >&2');
    const { signal } = await run.exit;
    assert.equal(signal, 'SIGKILL', `the hog was killed (stderr: ${run.stderr()})`);
    assert.equal(cg.oomKilled(), true);
    assert.ok((cg.stats().memory.maxUsage ?? 64 * MiB) <= 64 * MiB, 'usage never went over the limit');
  });

  it('freeze stops a busy loop and thaw resumes it', async () => {
    const cg = await make('freeze', {});
    await startIn(cg, 'while :; do :; done');
    await cg.freeze();
    const frozenAt = cg.stats().cpu.usageNs;
    await sleep(500);
    assert.equal(cg.stats().cpu.usageNs, frozenAt, 'no CPU time while frozen');
    await cg.thaw();
    await sleep(500);
    assert.ok(cg.stats().cpu.usageNs - frozenAt > 50e6, 'it ran again after thaw');
    await cg.kill();
  });

  it('pids limit makes forks fail inside, and nowhere else', async () => {
    const cg = await make('pids', { pidsLimit: 8 });
    const run = await startIn(cg, 'i=0; while [ $i -lt 20 ]; do sleep 30 & i=$((i+1)); done; echo forked $i >&2; wait');
    assert.ok(await waitFor(() => /can't fork/.test(run.stderr()), 5000), `forks failed (stderr: ${run.stderr()})`);
    assert.ok(cg.stats().pids.current <= 8, `at most 8 processes (${cg.stats().pids.current})`);
    const outside = spawn('/bin/true');
    assert.equal(await new Promise((resolve) => outside.on('exit', resolve)), 0, 'the host still forks');
    await cg.kill();
    // Killed orphans count until their new parent reaps them, so give that a moment.
    assert.ok(await waitFor(() => cg.stats().pids.current === 0, 2000), 'kill() got every process, however many forks were tried');
  });

  it('splits one CPU 2:1 between cpu shares 1024 and 512', async () => {
    const big = await make('shares-1024', { cpuShares: 1024, cpusetCpus: '0' });
    const small = await make('shares-512', { cpuShares: 512, cpusetCpus: '0' });
    await startIn(big, 'while :; do :; done');
    await startIn(small, 'while :; do :; done');
    await sleep(300);
    const [b0, s0] = [big.stats().cpu.usageNs, small.stats().cpu.usageNs];
    await sleep(3000);
    const ratio = (big.stats().cpu.usageNs - b0) / (small.stats().cpu.usageNs - s0);
    await big.kill();
    await small.kill();
    assert.ok(ratio >= 1.6 && ratio <= 2.5, `CPU time ratio ${ratio.toFixed(2)} is between 1.6 and 2.5`);
  });

  it('remove() leaves no directory behind, even right after a kill', async () => {
    const cg = await createCgroup(`${PREFIX}remove`, { memory: 64 * MiB });
    const run = await startIn(cg, 'exec sleep 30');
    await cg.kill();
    await cg.remove();
    await run.exit;
    for (const dir of Object.values(cg.paths)) assert.equal(existsSync(dir), false, `${dir} is gone`);
  });
});

const INDEX = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cgroups', 'index.ts');

/** Runs a TypeScript module that uses the cgroups API in a child node process. */
function runModule(work: string, code: string, prefix: string[] = []): { child: ChildProcess; stdout: () => string } {
  const script = join(work, `m${Math.random().toString(36).slice(2)}.mts`);
  writeFileSync(script, `import { createCgroup } from ${JSON.stringify(INDEX)};\n${code}`);
  const [file, ...args] = [...prefix, process.execPath, '--import', 'tsx', script];
  const child = spawn(file ?? '', args, { stdio: ['ignore', 'pipe', 'inherit'], cwd: dirname(INDEX) });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  return { child, stdout: () => out };
}

describe('cleaning up after a crash, and trees we may not write', () => {
  let work: string;
  before(() => { work = mkdtempSync(join(tmpdir(), 'byhand-cgtest-')); });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('says "cgroups are not writable here" on a read-only tree (as in a nested sandbox)', async () => {
    // A private mount namespace where every cgroup mount is read-only, as a sandbox's /sys is.
    const remount = 'for m in $(awk \'$3=="cgroup"||$3=="cgroup2"{print $2}\' /proc/self/mounts); do mount -o remount,bind,ro "$m" || exit 1; done; exec "$@"';
    const run = runModule(work, `
      try { await createCgroup(${JSON.stringify(`${PREFIX}ro`)}, { pidsLimit: 5 }); console.log('created'); }
      catch (err) { console.log(err.code + ' ' + err.message); }
    `, ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', remount, 'sh']);
    const code = await new Promise((resolve) => run.child.on('exit', resolve));
    assert.equal(code, 0, 'unshare and remount worked');
    assert.match(run.stdout(), /^CGROUPS_UNAVAILABLE cgroups are not writable here: the \w+ cgroup tree is mounted read-only at \/sys\/fs\/cgroup/);
  });

  it('removeStale finds and removes what a killed runtime left, processes included', async () => {
    const name = `${PREFIX}stale`;
    const runtime = runModule(work, `
      import { spawn } from 'node:child_process';
      const cg = await createCgroup(${JSON.stringify(name)}, { pidsLimit: 10 });
      const c = spawn('${BUSYBOX}', ['sh', '-c', 'for f; do echo $$ > "$f"; done; exec sleep 60', 'sh', ...cg.procsFiles()],
        { detached: true, stdio: 'ignore' });
      while (!cg.pids().includes(c.pid)) await new Promise((r) => setTimeout(r, 20));
      console.log(c.pid);
      setInterval(() => {}, 1000);
    `);
    let leftover: number;
    try {
      // Generous: under emulation (the cgroup v2 VM) node + tsx can take half a minute to start.
      assert.ok(await waitFor(() => runtime.stdout().includes('\n'), 60_000), 'the crashing runtime started its container');
      leftover = Number(runtime.stdout().trim());
    } finally {
      runtime.child.kill('SIGKILL');
    }

    const found = findCgroups(name);
    assert.deepEqual(found.map((c) => c.name), [name]);
    assert.deepEqual(found[0]?.pids(), [leftover]);
    assert.deepEqual(await removeStale({ prefix: name, keep: (n) => n === name }), [], 'a running container is kept');
    assert.deepEqual(await removeStale({ prefix: name }), [name]);
    assert.deepEqual(findCgroups(name), []);
    for (const dir of Object.values(found[0]?.paths ?? {})) assert.equal(existsSync(dir), false, `${dir} is gone`);
    const dead = () => !existsSync(`/proc/${leftover}`) || /\) Z /.test(readFileSync(`/proc/${leftover}/stat`, 'utf8'));
    assert.ok(await waitFor(dead, 2000), `the leftover process ${leftover} is dead`);
  });
});
