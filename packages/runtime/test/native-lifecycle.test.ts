/** The helper's lifecycle options against the real kernel: --wait-fifo, --detach, --pid-file, --cgroup-procs, --trace-fd. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { containerArgs, makeBusyboxRootfs, requireRoot, runHelper, runScript, waitFor } from './helpers.js';

let rootfs: string;
let scratch: string;
before(() => {
  requireRoot();
  rootfs = makeBusyboxRootfs();
  scratch = mkdtempSync(join(tmpdir(), 'byhand-native-life-'));
});
after(() => {
  rmSync(rootfs, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

/** Detached containers keep their stdio: give them files, or the helper's pipes would never close. */
function detachedStdio(name: string): { stdio: ['ignore', number, number]; read: () => string; errors: () => string } {
  const out = openSync(join(scratch, `${name}.out`), 'w');
  const err = openSync(join(scratch, `${name}.err`), 'w');
  return {
    stdio: ['ignore', out, err],
    read: () => readFileSync(join(scratch, `${name}.out`), 'utf8'),
    errors: () => { closeSync(out); closeSync(err); return readFileSync(join(scratch, `${name}.err`), 'utf8'); },
  };
}

function alive(pid: number): boolean {
  return existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

async function kill(pid: number): Promise<void> {
  try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  assert.ok(await waitFor(() => !alive(pid), 5000), `container ${pid} ended`);
}

describe('--wait-fifo with --detach', () => {
  it('leaves the container waiting until the fifo is read, then it runs', async () => {
    const fifo = join(scratch, 'exec.fifo');
    const pidFile = join(scratch, 'fifo.pid');
    execFileSync('mkfifo', ['-m', '0622', fifo]);
    chmodSync(fifo, 0o622); // writable by the container's root, which is not host root
    const io = detachedStdio('fifo');
    const r = await runScript(rootfs, 'echo started; sleep 30', ['--detach', '--wait-fifo', fifo, '--pid-file', pidFile],
      { stdio: io.stdio });
    assert.equal(io.errors(), '');
    assert.equal(r.code, 0, 'the helper returned while the container waits');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    try {
      assert.ok(alive(pid), 'the container is there');
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(io.read(), '', 'its command has not run yet');
      closeSync(openSync(fifo, 'r')); // what `byhand start` does
      assert.ok(await waitFor(() => io.read() === 'started\n', 5000), 'the command ran once the fifo was read');
    } finally {
      await kill(pid);
    }
  });
  it('--detach alone returns once the command runs, and reports a missing command', async () => {
    const pidFile = join(scratch, 'detach.pid');
    const r = await runScript(rootfs, 'sleep 30', ['--detach', '--no-init', '--pid-file', pidFile], { stdio: detachedStdio('plain').stdio });
    assert.equal(r.code, 0);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    try {
      // The helper returns once sh runs; sh then execs sleep in the same process, a moment later.
      const cmdline = () => readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      assert.ok(await waitFor(() => cmdline() === 'sleep\x0030\x00', 5000), `the pid is the command (sh exec'd sleep), not a wrapper: ${JSON.stringify(cmdline())}`);
      assert.match(readFileSync(`/proc/${pid}/status`, 'utf8'), /^NSpid:\s+\d+\s+1$/m, 'and it is pid 1 inside');
    } finally {
      await kill(pid);
    }
    const missing = await runHelper([...containerArgs(rootfs, ['--detach']), '--', '/bin/missing']);
    assert.equal(missing.code, 127);
  });
  it('says what is wrong with a missing fifo', async () => {
    const r = await runScript(rootfs, 'true', ['--wait-fifo', join(scratch, 'nope.fifo')]);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /--wait-fifo .*nope\.fifo.*mkfifo/);
  });
});

/** A fresh cgroup below ours in the pids hierarchy (v1) or the unified one (v2). */
function makeCgroup(): string {
  const lines = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n').map((l) => l.split(':'));
  const v1 = lines.find(([, controllers]) => controllers?.split(',').includes('pids'));
  const base = v1 ? join('/sys/fs/cgroup/pids', v1[2] ?? '') : join('/sys/fs/cgroup', lines.find(([id]) => id === '0')?.[2] ?? '');
  if (!existsSync(join(base, 'cgroup.procs'))) throw new Error(`no cgroup hierarchy with pids found at ${base}: mount cgroups first`);
  const dir = join(base, `byhand-native-test-${process.pid}`);
  mkdirSync(dir);
  return dir;
}

describe('--cgroup-procs', () => {
  it('starts the container inside the cgroup, which is the root of its cgroup namespace', async () => {
    const cgroup = makeCgroup();
    const pidFile = join(scratch, 'cg.pid');
    try {
      const r = await runScript(rootfs, 'grep -E "pids|^0::" /proc/self/cgroup; sleep 30',
        ['--detach', '--cgroup-procs', join(cgroup, 'cgroup.procs'), '--pid-file', pidFile], { stdio: detachedStdio('cg').stdio });
      assert.equal(r.code, 0);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      try {
        assert.ok(readFileSync(join(cgroup, 'cgroup.procs'), 'utf8').split('\n').includes(String(pid)));
        assert.match(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), new RegExp(`byhand-native-test-${process.pid}`));
      } finally {
        await kill(pid);
      }
    } finally {
      assert.ok(await waitFor(() => readFileSync(join(cgroup, 'cgroup.procs'), 'utf8') === '', 5000));
      rmdirSync(cgroup);
    }
  });
  it('inside, the cgroup looks like /', async () => {
    const cgroup = makeCgroup();
    try {
      const r = await runScript(rootfs, 'grep -E ":pids:|^0::" /proc/self/cgroup', ['--cgroup-procs', join(cgroup, 'cgroup.procs')]);
      assert.equal(r.stderr, '');
      assert.match(r.stdout, /^\d+:(pids)?:\/$/m);
    } finally {
      rmdirSync(cgroup);
    }
  });
});

describe('--trace-fd', () => {
  it('narrates every step as one JSON line: clone, maps, mounts, pivot_root, capabilities, seccomp, execve', async () => {
    const r = await runScript(rootfs, 'true', ['--hostname', 'traced', '--no-new-privs'], { trace: true });
    assert.equal(r.code, 0);
    const steps = r.trace.map((e) => e.step);
    for (const step of ['clone', 'uid_map', 'gid_map', 'mount', 'pivot_root', 'umount', 'hostname', 'no_new_privs',
      'seccomp', 'capabilities', 'execve']) assert.ok(steps.includes(step), `the trace has ${step}: ${steps.join(' ')}`);
    const clone = r.trace.find((e) => e.step === 'clone');
    assert.match(String(clone?.args), /CLONE_NEWUSER\|CLONE_NEWNS\|CLONE_NEWPID/);
    assert.match(String(clone?.result), /^pid \d+$/);
    assert.ok(r.trace.some((e) => String(e.command).startsWith('mount -t overlay -o lowerdir=')));
    assert.ok(r.trace.every((e) => typeof e.ms === 'number'));
    assert.equal(steps.at(-1), 'execve');
  });
  it('ends with the error when a step fails', async () => {
    const r = await runScript(rootfs, 'true', ['--workdir', '/no/such/dir'], { trace: true });
    assert.equal(r.code, 125);
    assert.match(r.stderr, /--workdir \/no\/such\/dir: chdir: No such file or directory/);
    assert.equal(r.trace.at(-1)?.step, 'error');
  });
});
