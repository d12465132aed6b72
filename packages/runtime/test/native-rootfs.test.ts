/** The helper's file system options against the real kernel: layers, a disk upper layer, volumes, read-only root, masked paths. */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { containerArgs, makeBusyboxRootfs, requireRoot, runHelper, runScript } from './helpers.js';

let rootfs: string;
let scratch: string;
before(() => {
  requireRoot();
  rootfs = makeBusyboxRootfs();
  scratch = mkdtempSync(join(tmpdir(), 'byhand-native-rootfs-'));
});
after(() => {
  rmSync(rootfs, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

function dir(name: string): string {
  const path = join(scratch, name);
  mkdirSync(path, { recursive: true });
  return path;
}

describe('--layer', () => {
  it('stacks layers top-most first: the upper one wins, the lower one shows through', async () => {
    const top = dir('top');
    mkdirSync(join(top, 'etc'));
    writeFileSync(join(top, 'etc', 'who'), 'top\n');
    const bottom = dir('bottom');
    cpSync(rootfs, bottom, { recursive: true, verbatimSymlinks: true });
    writeFileSync(join(bottom, 'etc', 'who'), 'bottom\n');
    writeFileSync(join(bottom, 'etc', 'only-bottom'), 'below\n');
    const args = containerArgs('/unused').slice(2); // drop --rootfs
    const r = await runHelper(['--layer', top, '--layer', bottom, ...args, '--', '/bin/sh', '-c', 'cat /etc/who /etc/only-bottom']);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'top\nbelow\n');
  });
  it('refuses --rootfs together with --layer, and no image at all', async () => {
    const both = await runScript(rootfs, 'true', ['--layer', rootfs]);
    assert.equal(both.code, 125);
    const none = await runHelper(['--no-userns', '--upper-size', '1m', '--', '/bin/true']);
    assert.equal(none.code, 125);
    assert.match(none.stderr, /missing option: --rootfs DIR or --layer DIR/);
  });
});

describe('--upper and --work', () => {
  it('keep the writable layer on disk, with whiteouts for deleted image files', async () => {
    const state = dir('state');
    const args = containerArgs(rootfs).filter((a, i, all) => a !== '--upper-size' && all[i - 1] !== '--upper-size');
    const r = await runHelper([...args, '--upper', join(state, 'upper'), '--work', join(state, 'work'),
      '--', '/bin/sh', '-c', 'echo hi > /hello; rm /bin/wc']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.equal(readFileSync(join(state, 'upper', 'hello'), 'utf8'), 'hi\n');
    assert.equal(statSync(join(state, 'upper', 'hello')).uid, 0, 'idmapped: the container root writes as host root');
    assert.ok(statSync(join(state, 'upper', 'bin', 'wc')).isCharacterDevice(), 'a whiteout hides /bin/wc');
    assert.ok(existsSync(join(rootfs, 'bin', 'wc')), 'the image keeps it');
    assert.ok(!existsSync(join(rootfs, 'hello')));
  });
  it('must be in one directory', async () => {
    const r = await runScript(rootfs, 'true', ['--upper', dir('a/upper'), '--work', dir('b/work')]);
    assert.equal(r.code, 125);
  });
});

describe('--volume', () => {
  it('binds a host directory read-write: writes reach the host', async () => {
    const data = dir('rw');
    writeFileSync(join(data, 'in'), 'from host\n');
    const r = await runScript(rootfs, 'cat /data/in; echo from container > /data/out', ['--volume', `${data}:/data`]);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'from host\n');
    assert.equal(readFileSync(join(data, 'out'), 'utf8'), 'from container\n');
  });
  it('with :ro makes writes fail', async () => {
    const data = dir('ro');
    const r = await runScript(rootfs, 'cat /deep/er/data/in; touch /deep/er/data/out', ['--volume', `${data}:/deep/er/data:ro`]);
    assert.match(r.stderr, /Read-only file system/);
    assert.notEqual(r.code, 0);
    assert.ok(!existsSync(join(data, 'out')));
  });
  it('binds a single file, and rejects a target with ..', async () => {
    const file = join(dir('file'), 'conf');
    writeFileSync(file, 'setting=1\n');
    const r = await runScript(rootfs, 'cat /etc/app.conf', ['--volume', `${file}:/etc/app.conf:ro`]);
    assert.equal(r.stdout, 'setting=1\n');
    const bad = await runScript(rootfs, 'true', ['--volume', `${file}:/etc/../../x`]);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /must not contain '\.\.'/);
  });
});

describe('--readonly-rootfs', () => {
  it('makes / read-only while /tmp and volumes stay writable', async () => {
    const data = dir('ro-root-volume');
    const r = await runScript(rootfs, 'touch /new 2>&1; touch /tmp/ok && touch /data/ok && echo writable',
      ['--readonly-rootfs', '--volume', `${data}:/data`]);
    assert.match(r.stdout, /Read-only file system/);
    assert.match(r.stdout, /writable/);
    assert.ok(existsSync(join(data, 'ok')));
  });
});

describe('--mask-paths', () => {
  it('covers /proc/keys (and kcore where the kernel has it) and /sys/firmware, and makes /proc/sys read-only', async () => {
    const script = 'stat -c %F /proc/keys; ls /sys/firmware | wc -l; grep -c " /proc/sys ro," /proc/self/mountinfo';
    const masked = await runScript(rootfs, script, ['--mask-paths']);
    assert.equal(masked.stderr, '');
    assert.deepEqual(masked.stdout.trim().split('\n'), ['character special file', '0', '1']);
    const plain = await runScript(rootfs, script);
    assert.match(plain.stdout, /^regular (empty )?file\n[1-9]\d*\n0\n/);
  });
  it('is not done for sandboxes, where a nested mount -t proc must work', async () => {
    const r = await runScript(rootfs, "unshare --pid --fork --mount-proc sh -c 'echo $$'");
    assert.equal(r.stdout, '1\n');
  });
});

describe('--no-userns', () => {
  it('keeps the caller\'s user namespace: uid_map is the identity', async () => {
    const r = await runHelper(['--no-userns', '--rootfs', rootfs, '--upper-size', '8m', '--env', 'PATH=/bin',
      '--', '/bin/sh', '-c', 'cat /proc/self/uid_map; id -u']);
    assert.equal(r.stderr, '');
    assert.deepEqual(r.stdout.trim().split(/\s+/), ['0', '0', '4294967295', '0']);
  });
  it('refuses a uid range with it', async () => {
    const r = await runScript(rootfs, 'true', ['--no-userns']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /--uid-base\/--uid-count need a new user namespace/);
  });
});
