/** The VM harness's pure parts; the harness as a whole is tested by running it (npm run test:vm). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RECIPE_DIR, readRecipe, recipeKey } from '../lib/image.mjs';
import { checkDuration, commandScript, readExitCode, skipAsked, writeJob } from '../lib/job.mjs';
import { diskSize } from '../lib/dir-disk.mjs';
import { chooseAccel, qemuArgs } from '../lib/qemu.mjs';

const image = { kernel: '/i/vmlinuz', initrd: '/i/initrd.img', disk: '/i/disk.ext4' };
const args = (accel) => qemuArgs({ image, cmdline: 'root=/dev/vda', repo: '/src', jobDir: '/job', consoleLog: '/job/c.log', accel });

test('the VM gets no network device, a read-only repo and a disk it cannot change', () => {
  const a = args('kvm');
  assert.ok(a.includes('-nodefaults'), 'no default devices (they include a NIC)');
  assert.deepEqual(a.slice(a.indexOf('-nic'), a.indexOf('-nic') + 2), ['-nic', 'none']);
  assert.ok(!a.some((arg) => /netdev|hostfwd|user,/.test(arg)), a.join(' '));
  assert.ok(a.includes('local,path=/src,mount_tag=repo,security_model=none,readonly=on'));
  assert.ok(a.includes('file=/i/disk.ext4,format=raw,if=virtio,snapshot=on,cache=unsafe'));
  assert.ok(a.includes('-enable-kvm'));
  assert.ok(!args('tcg').includes('-enable-kvm'));
  const cpu = args('tcg')[args('tcg').indexOf('-cpu') + 1];
  assert.match(cpu, /^max,/, 'emulated: the most TCG offers');
  for (const feature of ['avx', 'avx2', 'fma']) assert.ok(cpu.split(',').includes(`${feature}=off`), `emulated: no ${feature} (${cpu})`);
});

test('KVM is used only when it can boot a stock kernel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vm-accel-'));
  try {
    const device = join(dir, 'kvm');
    writeFileSync(device, '');
    const none = join(dir, 'no-such-module');
    assert.equal(chooseAccel('auto', { device, pvmModule: none }).accel, 'kvm');
    assert.match(chooseAccel('auto', { device: join(dir, 'missing'), pvmModule: none }).why, /TCG emulation, slower: .*missing is not usable \(ENOENT\)/);
    assert.match(chooseAccel('auto', { device, pvmModule: dir }).why, /is PVM .*boots only PVM guest kernels/);
    assert.throws(() => chooseAccel('kvm', { device, pvmModule: dir }), /--accel kvm: .* use --accel tcg/);
    assert.equal(chooseAccel('tcg', { device, pvmModule: none }).accel, 'tcg');
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('the command reaches the guest word for word', () => {
  const script = commandScript(['bash', '-c', `echo "it's $((1+1))" && printf '%s\\n' a`]);
  assert.match(script, /^export BYHAND_STATE_DIR=\/tmp\/byhand$/m);
  const last = script.trimEnd().split('\n').at(-1);
  const r = spawnSync('bash', ['-c', last], { encoding: 'utf8' });
  assert.equal(r.stdout, "it's 2\na\n");
});

test('the image is rebuilt when any file of its recipe changes, mode included', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vm-recipe-'));
  try {
    for (const name of ['recipe.json', 'initramfs.sh', 'customize.sh', 'guest']) cpSync(join(RECIPE_DIR, name), join(dir, name), { recursive: true });
    const first = recipeKey(dir);
    assert.equal(recipeKey(dir), first, 'the key is stable');
    writeFileSync(join(dir, 'guest', 'byhand-vm-job'), '#!/bin/sh\n');
    const second = recipeKey(dir);
    assert.notEqual(second, first);
    chmodSync(join(dir, 'guest', 'byhand-vm-job'), 0o644);
    assert.notEqual(recipeKey(dir), second);
    assert.ok(readRecipe(dir).cmdline.includes('systemd.unified_cgroup_hierarchy=1'));
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('time limits are timeout(1) durations', () => {
  assert.equal(checkDuration('90s'), 90_000);
  assert.equal(checkDuration('20m'), 1_200_000);
  assert.throws(() => checkDuration('20 minutes'), /must be a number followed by s, m or h/);
});

test('the job directory holds a copy of node (the guest may write there), the command and its limit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vm-job-'));
  try {
    writeJob(join(dir, 'job'), { argv: ['true'], timeout: '1m' });
    assert.notEqual(statSync(join(dir, 'job', 'node')).ino, statSync(process.execPath).ino, 'not a hard link to the host\'s node');
    assert.equal(readFileSync(join(dir, 'job', 'timeout'), 'utf8'), '1m\n');
    assert.equal(readExitCode(join(dir, 'job')), null, 'no exit code before the guest writes one');
    writeFileSync(join(dir, 'job', 'exit-code'), '3\n');
    assert.equal(readExitCode(join(dir, 'job')), 3);
    assert.doesNotMatch(readFileSync(join(dir, 'job', 'command'), 'utf8'), /NODE_OPTIONS/, 'under KVM, Node as it is');
    writeJob(join(dir, 'job'), { argv: ['true'], timeout: '1m', accel: 'tcg' });
    assert.match(readFileSync(join(dir, 'job', 'command'), 'utf8'), /^export NODE_OPTIONS=--disable-wasm-trap-handler$/m, 'emulated: no wasm trap handler');
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('the classroom test keeps its disk across boots in an overlay, and shares more directories read-only', () => {
  const a = qemuArgs({ image, cmdline: 'root=/dev/vda', repo: '/src', jobDir: '/job', consoleLog: '/job/c.log', overlay: '/run/disk.qcow2', shares: [{ tag: 'offline', path: '/srv/off' }] });
  assert.ok(a.includes('file=/run/disk.qcow2,format=qcow2,if=virtio,cache=unsafe'), a.join(' '));
  assert.ok(!a.some((arg) => arg.includes('/i/disk.ext4')), 'the cached image is only the overlay\'s backing file');
  assert.ok(a.includes('local,path=/srv/off,mount_tag=offline,security_model=none,readonly=on'));
});

test('forwarded ports: the guest reaches nothing, the host reaches it on loopback only', () => {
  const a = qemuArgs({ image, cmdline: 'root=/dev/vda', repo: null, jobDir: '/job', consoleLog: '/job/c.log', disks: ['/run/repo.img'], forwards: [{ hostPort: 41234, guestPort: 80 }] });
  assert.ok(!a.includes('-nic'), 'a network device');
  assert.equal(a[a.indexOf('-netdev') + 1], 'user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:41234-:80');
  assert.ok(a.includes('file=/run/repo.img,format=raw,if=virtio,readonly=on'));
  assert.ok(!a.some((arg) => arg.includes('mount_tag=repo')), 'the checkout comes as a disk, not over 9p');
});

test('a directory\'s disk has room for its blocks and its inodes', () => {
  const { bytes, inodes } = diskSize({ bytes: 500 * 2 ** 20, files: 100_000 });
  assert.equal(inodes, 121_024);
  assert.ok(bytes >= 500 * 2 ** 20 + inodes * 256, `${bytes}`);
  assert.equal(bytes % 2 ** 20, 0, 'whole MiB');
});

test('a developer may leave the classroom VM test out of npm test, saying so; CI may not', () => {
  const run = join(RECIPE_DIR, '..', '..', 'infra', 'vm', 'run.mjs');
  const env = { ...process.env, BYHAND_SKIP_VM_TEST: '1', CI: '' };
  const r = spawnSync(process.execPath, [run, '--npm-test', '--accel', 'tcg'], { encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /skipped the classroom VM test \(BYHAND_SKIP_VM_TEST=1; about 25 minutes here, emulated: asked for with --accel tcg\); `npm run test:vm` runs it/);
  const said = [];
  assert.equal(skipAsked({ BYHAND_SKIP_VM_TEST: '1', CI: 'true' }, (line) => said.push(line)), false);
  assert.deepEqual(said, ['BYHAND_SKIP_VM_TEST=1 is ignored in CI (CI=true): the classroom VM test runs']);
  assert.equal(skipAsked({ CI: '' }, () => {}), false, 'without the setting, npm test runs it');
});
