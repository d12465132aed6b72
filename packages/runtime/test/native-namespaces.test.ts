/** The helper's namespace options against the real kernel: --namespaces (time), --join, and exec mode. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initHelperPath } from '../src/paths.js';
import { containerArgs, makeBusyboxRootfs, requireRoot, runHelper, runScript, waitFor } from './helpers.js';

let rootfs: string;
let scratch: string;
before(() => {
  requireRoot();
  rootfs = makeBusyboxRootfs();
  scratch = mkdtempSync(join(tmpdir(), 'byhand-native-ns-'));
});
after(() => {
  rmSync(rootfs, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

interface Running { helper: ChildProcess; pid: number; stdout: () => string }

/** Starts a long-running container (not detached) and waits until its command runs. */
async function start(name: string, script: string, extra: string[] = []): Promise<Running> {
  const pidFile = join(scratch, `${name}.pid`);
  const helper = spawn(initHelperPath(), [...containerArgs(rootfs, ['--hostname', name, '--pid-file', pidFile, ...extra]),
    '--', '/bin/sh', '-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  helper.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  assert.ok(await waitFor(() => existsSync(pidFile) && out.includes('\n'), 5000), `container ${name} started`);
  return { helper, pid: Number(readFileSync(pidFile, 'utf8')), stdout: () => out };
}

async function stop(c: Running): Promise<void> {
  c.helper.kill('SIGKILL');
  assert.ok(await waitFor(() => !existsSync(`/proc/${c.pid}`), 5000), 'the container ended with its helper');
}

describe('--namespaces', () => {
  it('makes a time namespace when asked (clone3 with CLONE_NEWTIME), none by default', async () => {
    const host = readlinkSync('/proc/self/ns/time');
    const withTime = await runScript(rootfs, 'readlink /proc/self/ns/time',
      ['--namespaces', 'user,mnt,pid,uts,ipc,net,cgroup,time']);
    assert.equal(withTime.stderr, '');
    assert.match(withTime.stdout, /^time:\[\d+\]\n$/);
    assert.notEqual(withTime.stdout.trim(), host);
    assert.equal((await runScript(rootfs, 'readlink /proc/self/ns/time')).stdout.trim(), host);
  });
  it('shares what is left out, e.g. the host\'s uts namespace', async () => {
    const r = await runScript(rootfs, 'readlink /proc/self/ns/uts', ['--namespaces', 'user,mnt,pid,ipc,net,cgroup']);
    assert.equal(r.stdout.trim(), readlinkSync('/proc/self/ns/uts'));
  });
  it('refuses a set without mnt and an unknown name', async () => {
    const noMnt = await runScript(rootfs, 'true', ['--namespaces', 'user,pid']);
    assert.equal(noMnt.code, 125);
    assert.match(noMnt.stderr, /must include mnt/);
    const unknown = await runScript(rootfs, 'true', ['--namespaces', 'user,mnt,space']);
    assert.match(unknown.stderr, /unknown namespace 'space'/);
  });
});

describe('--join', () => {
  it('puts a second container into the first one\'s network namespace', async () => {
    const a = await start('net-a', 'readlink /proc/self/ns/net; sleep 30');
    try {
      const b = await runScript(rootfs, 'readlink /proc/self/ns/net; readlink /proc/self/ns/uts',
        ['--join', `net:/proc/${a.pid}/ns/net`]);
      assert.equal(b.stderr, '');
      const [net, uts] = b.stdout.trim().split('\n');
      assert.equal(net, a.stdout().trim());
      assert.notEqual(uts, readlinkSync(`/proc/${a.pid}/ns/uts`), 'only net is shared');
    } finally {
      await stop(a);
    }
  });
  it('says which namespace file is missing', async () => {
    const r = await runScript(rootfs, 'true', ['--join', 'net:/proc/999999999/ns/net']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /open net namespace \/proc\/999999999\/ns\/net/);
  });
});

describe('exec mode', () => {
  it('runs a command in a running container: same hostname, pid namespace and root; its exit code passes through', async () => {
    const a = await start('box-a', 'echo ready > /tmp/marker; echo up; sleep 30');
    try {
      const r = await runHelper(['exec', '--target', String(a.pid), '--env', 'PATH=/bin', '--',
        '/bin/sh', '-c', 'hostname; readlink /proc/self/ns/pid; cat /tmp/marker; id -u; exit 3']);
      assert.equal(r.stderr, '');
      assert.deepEqual(r.stdout.trim().split('\n'), ['box-a', readlinkSync(`/proc/${a.pid}/ns/pid`), 'ready', '0']);
      assert.equal(r.code, 3);
    } finally {
      await stop(a);
    }
  });
  it('drops privileges as run does', async () => {
    const a = await start('box-b', 'echo up; sleep 30');
    try {
      const r = await runHelper(['exec', '--target', String(a.pid), '--user', '1000:1000', '--cap', 'chown',
        '--no-new-privs', '--workdir', '/tmp', '--', '/bin/sh', '-c', 'id -u; pwd; grep -E "^(CapBnd|NoNewPrivs)" /proc/self/status']);
      assert.equal(r.stderr, '');
      assert.deepEqual(r.stdout.trim().split('\n').map((l) => l.replace(/\s+/g, ' ')),
        ['1000', '/tmp', 'CapBnd: 0000000000000001', 'NoNewPrivs: 1']);
      const missing = await runHelper(['exec', '--target', String(a.pid), '--', '/bin/nothing']);
      assert.equal(missing.code, 127);
    } finally {
      await stop(a);
    }
  });
  it('fails with 125 when the target does not exist', async () => {
    const r = await runHelper(['exec', '--target', '999999999', '--', '/bin/true']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /is the container running\?/);
  });
});
