import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandboxInvocation } from '../src/index.js';
import { listDir, makeBusyboxRootfs, requireRoot, runInSandbox, spec, waitFor } from './helpers.js';

let rootfs: string;
before(() => {
  requireRoot();
  rootfs = makeBusyboxRootfs();
});
after(() => rmSync(rootfs, { recursive: true, force: true }));


describe('a sandbox', () => {
  it('is root inside, its own hostname, and pid 1 is the runtime init', async () => {
    const r = await runInSandbox(rootfs, 'id -u; hostname; cat /proc/1/comm; echo $$', { name: 'lab-abc' });
    assert.equal(r.stderr, '');
    assert.deepEqual(r.stdout.trim().split('\n'), ['0', 'lab-abc', 'byhand-init', '2']);
    assert.equal(r.code, 0);
  });

  it('maps root inside to the unprivileged range outside', async () => {
    const s = spec(rootfs, { command: ['/bin/sh', '-c', 'cat /proc/self/uid_map; sleep 5'] });
    const inv = sandboxInvocation(s);
    const child = spawn(inv.file, inv.args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    assert.ok(await waitFor(() => out.includes('\n'), 5000), 'the sandbox printed its uid_map');
    assert.deepEqual(out.trim().split(/\s+/).map(Number), [0, s.ids.base, s.ids.count]);
    // From the host: find the shell (a child of the sandbox's init) and read its owner.
    const init = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
    const shell = readFileSync(`/proc/${init}/task/${init}/children`, 'utf8').trim().split(' ')[0];
    const uids = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${shell}/status`, 'utf8'))?.[1];
    assert.equal(Number(uids), s.ids.base, 'the shell runs as the range base on the host');
    for (const ns of ['user', 'mnt', 'pid', 'uts', 'ipc', 'net', 'cgroup']) {
      assert.notEqual(readlinkSync(`/proc/${shell}/ns/${ns}`), readlinkSync(`/proc/self/ns/${ns}`), `${ns} namespace is new`);
    }
    child.kill('SIGKILL');
    assert.ok(await waitFor(() => !existsSync(`/proc/${shell}`), 5000), 'killing the helper ends the sandbox');
  });

  it('sees the image as owned by its own root, and writes only to its upper layer', async () => {
    writeFileSync(join(rootfs, 'etc', 'greeting'), 'from the image\n');
    const r = await runInSandbox(rootfs,
      'stat -c "%u:%g" /etc/greeting; echo changed > /etc/greeting; touch /new-file; rm /bin/wc; cat /etc/greeting');
    assert.equal(r.stderr, '');
    assert.deepEqual(r.stdout.trim().split('\n'), ['0:0', 'changed']);
    assert.equal(readFileSync(join(rootfs, 'etc', 'greeting'), 'utf8'), 'from the image\n', 'the image is untouched');
    assert.ok(!existsSync(join(rootfs, 'new-file')));
    assert.ok(existsSync(join(rootfs, 'bin', 'wc')));
  });

  it('bounds the upper layer by its tmpfs size', async () => {
    const r = await runInSandbox(rootfs, 'dd if=/dev/zero of=/big bs=1M count=64 2>&1; echo rc=$?', { upperSize: '8m' });
    assert.match(r.stdout, /No space left on device/);
    assert.match(r.stdout, /rc=1/);
  });

  it('lets a learner nest pid namespaces with their own /proc, and mount an overlay', async () => {
    const r = await runInSandbox(rootfs, [
      "unshare --pid --fork --mount-proc sh -c 'echo $$'",
      'mkdir -p /tmp/o/l /tmp/o/u /tmp/o/w /tmp/o/m',
      'mount -t overlay overlay -o lowerdir=/tmp/o/l,upperdir=/tmp/o/u,workdir=/tmp/o/w /tmp/o/m && echo ok',
      "unshare --uts sh -c 'hostname inside; hostname'; hostname",
    ].join('\n'), { name: 'outer' });
    assert.equal(r.stderr, '');
    assert.deepEqual(r.stdout.trim().split('\n'), ['1', 'ok', 'inside', 'outer']);
  });

  it('has /proc, /sys, /dev with its own devpts, /tmp, and loopback up', async () => {
    const r = await runInSandbox(rootfs, 'ls /dev; ls /dev/pts; cat /sys/class/net/lo/operstate; grep -c . /proc/mounts >/dev/null && echo proc');
    assert.equal(r.stderr, '');
    const lines = r.stdout.trim().split('\n');
    for (const dev of ['null', 'zero', 'urandom', 'tty', 'ptmx', 'pts', 'shm', 'mqueue']) assert.ok(lines.includes(dev), `/dev/${dev} exists`);
    assert.ok(lines.includes('ptmx'));
    assert.ok(lines.includes('unknown') || lines.includes('up'), 'lo is up');
    assert.ok(lines.includes('proc'));
  });

  it('passes no inherited file descriptor inside', async () => {
    // fd 3 and 4 are open in the helper; only 0, 1, 2 (and ls's own directory fd) may show.
    const r = await runInSandbox(rootfs, 'ls /proc/self/fd', {}, ['ignore', 'pipe', 'pipe', 'pipe', 'pipe']);
    assert.deepEqual(r.stdout.trim().split(/\s+/).map(Number).filter((fd) => fd < 3), [0, 1, 2]);
    assert.ok(r.stdout.trim().split(/\s+/).length <= 4, `only 0, 1, 2 and ls's own fd are open: ${r.stdout}`);
  });

  it('keeps a read-only volume read-only, even when root inside remounts it read-write', async () => {
    const host = mkdtempSync(join(tmpdir(), 'byhand-ro-volume-'));
    chmodSync(host, 0o755); // like the tools directory: readable by anyone, writable by host root only
    writeFileSync(join(host, 'tool'), 'original\n');
    try {
      const r = await runInSandbox(rootfs, [
        'echo x > /data/tool 2>/dev/null && echo wrote-before',
        'mount -o remount,rw,bind /data && echo remounted',
        'echo x > /data/tool 2>/dev/null && echo wrote-after',
        'touch /data/planted 2>/dev/null && echo planted',
        'cat /data/tool',
      ].join('; '), { volumes: [{ source: host, target: '/data', readonly: true }] });
      // The remount itself is allowed (the kernel does not lock it), but no write gets through.
      assert.deepEqual(r.stdout.trim().split('\n').filter((l) => l !== 'remounted'), ['original']);
      assert.equal(readFileSync(join(host, 'tool'), 'utf8'), 'original\n');
      assert.deepEqual(listDir(host), ['tool']);
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  });

  it('returns the exit code of its command', async () => {
    const r = await runInSandbox(rootfs, 'exit 7');
    assert.equal(r.code, 7);
  });

  it('leaves the host without a new mount', async () => {
    const before = readFileSync('/proc/self/mountinfo', 'utf8');
    await runInSandbox(rootfs, 'mount -t tmpfs none /mnt 2>/dev/null || mkdir /mnt && mount -t tmpfs none /mnt');
    assert.equal(readFileSync('/proc/self/mountinfo', 'utf8'), before);
    assert.deepEqual(listDir(rootfs), ['bin', 'dev', 'etc', 'proc', 'root', 'run', 'sys', 'tmp']);
  });
});

describe('a bad sandbox spec', () => {
  it('names a missing image and says how to build it', () => {
    assert.throws(() => sandboxInvocation(spec('/nonexistent/rootfs')), /does not exist: run `npm run setup`/);
  });
  it('rejects a hostname that is not one', () => {
    assert.throws(() => sandboxInvocation(spec(rootfs, { name: 'Bad Name!' })), /must be 1-63 of a-z/);
  });
  it('rejects a relative command', () => {
    assert.throws(() => sandboxInvocation(spec(rootfs, { command: ['bash'] })), /absolute path/);
  });
  it('the helper itself explains a missing option', async () => {
    const inv = sandboxInvocation(spec(rootfs));
    const child = spawn(inv.file, ['--hostname', 'x'], { stdio: 'pipe' });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const code = await new Promise((r) => child.on('close', r));
    assert.equal(code, 125);
    assert.match(err, /missing option/);
    assert.match(err, /usage: byhand-init/);
  });
});
