import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { create, list } from 'tar';
import { packLayer, unpackLayer } from '../src/images/layer.js';
import { Progress } from '../src/images/progress.js';
import { parseReference, familiarName } from '../src/images/reference.js';
import { ImageStore } from '../src/images/store.js';
import { opaqueDirs } from '../src/images/whiteouts.js';
import { makeCli, type Cli } from './cli-helpers.js';
import { makeBusyboxRootfs } from './helpers.js';
import { requireTools } from './images-fixtures.js';

let cli: Cli;
let work: string;
before(async () => {
  requireTools('setfattr', 'getfattr');
  cli = await makeCli();
  work = mkdtempSync(join(tmpdir(), 'byhand-images-'));
});
after(async () => {
  await cli?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

async function entries(file: string): Promise<string[]> {
  const names: string[] = [];
  await list({ file, onReadEntry: (e) => names.push(`${e.type} ${e.path}`) });
  return names;
}

describe('the image store', () => {
  it('imports a gzipped tar as a one-layer image, lists it, runs it by name, and removes it', async () => {
    const rootfs = makeBusyboxRootfs();
    const tarball = join(work, 'busybox.tar.gz');
    await create({ gzip: true, file: tarball, cwd: rootfs, portable: false }, ['.']);
    rmSync(rootfs, { recursive: true, force: true });
    const imported = await cli.run(['import', tarball, 'fromtar']);
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(imported.stdout, 'fromtar:latest\n');
    const listed = await cli.run(['images']);
    assert.match(listed.stdout, /^NAME +IMAGE ID +CREATED +LAYERS\n/);
    assert.match(listed.stdout, /\nbusybox:latest +[0-9a-f]{12} +\S+ +1\n/);
    assert.match(listed.stdout, /\nfromtar:latest +[0-9a-f]{12} +\S+ +1\n/);
    const image = new ImageStore(cli.stateDir).require('fromtar');
    assert.ok(existsSync(join(image.layers[0]!, 'bin', 'busybox')));
    assert.deepEqual(image.config.cmd, ['/bin/sh']);

    const r = await cli.run(['run', '--rm', 'fromtar', 'sh', '-c', 'readlink /bin/sh; cat /etc/hostname 2>/dev/null; echo ok']);
    assert.equal(r.stdout, 'busybox\nok\n', r.stderr);

    assert.equal((await cli.run(['create', '--name', 'user-of-fromtar', 'fromtar', 'true'])).code, 0);
    const refused = await cli.run(['rmi', 'fromtar']);
    assert.equal(refused.code, 125);
    assert.match(refused.stderr, /image fromtar is used by container user-of-fromtar/);
    assert.equal((await cli.run(['rm', 'user-of-fromtar'])).code, 0);
    assert.equal((await cli.run(['rmi', 'fromtar'])).stdout, 'Deleted: fromtar\n');
    assert.equal((await cli.run(['images', '-q'])).stdout, 'busybox:latest\n');
    assert.ok(!existsSync(image.layers[0]!), 'a layer no image needs any more goes');
    const gone = await cli.run(['run', '--rm', 'fromtar', 'true']);
    assert.equal(gone.code, 125);
    assert.match(gone.stderr, /unknown image fromtar: see byhand images/);
  });

  it('rejects what it cannot import, saying why, and keeps nothing of it', async () => {
    const missing = await cli.run(['import', join(work, 'nope.tar'), 'nope']);
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /cannot import .*nope\.tar: no such file or directory/);
    const badName = await cli.run(['import', work, 'Bad Name']);
    assert.equal(badName.code, 125);
    assert.match(badName.stderr, /image name "Bad Name" is not valid/);
    const tarball = join(work, 'truncated.tar');
    await create({ file: tarball, cwd: '/bin' }, ['busybox']);
    // Cut in the middle of the file's content.
    writeFileSync(tarball, readFileSync(tarball).subarray(0, 100_000));
    const store = new ImageStore(cli.stateDir);
    const blobsBefore = execFileSync('ls', [join(store.blobs.root, 'sha256')], { encoding: 'utf8' });
    const truncated = await cli.run(['import', tarball, 'broken']);
    assert.equal(truncated.code, 125);
    assert.match(truncated.stderr, /cannot import .*truncated\.tar: layer sha256:[0-9a-f]{64} is corrupt or truncated/);
    assert.equal(execFileSync('ls', [join(store.blobs.root, 'sha256')], { encoding: 'utf8' }), blobsBefore);
  });

  it('still runs the set-up\'s flat images (one rootfs, image.json), and keeps a referenced layer on removal', async () => {
    const store = new ImageStore(cli.stateDir);
    const rootfs = makeBusyboxRootfs();
    try {
      mkdirSync(join(store.dir, 'ref'));
      writeFileSync(join(store.dir, 'ref', 'image.json'), JSON.stringify({ name: 'ref', created: 'now', rootfs, config: { cmd: ['sh'] } }));
      assert.deepEqual(store.require('ref').layers, [rootfs]);
      const r = await cli.run(['run', '--rm', 'ref', 'sh', '-c', 'echo flat']);
      assert.equal(r.stdout, 'flat\n', r.stderr);
      store.remove('ref');
      assert.equal(store.get('ref'), null);
      assert.ok(existsSync(join(rootfs, 'bin', 'busybox')), 'the referenced layer stays');
    } finally {
      rmSync(rootfs, { recursive: true, force: true });
    }
  });
});

describe('layers and whiteouts', () => {
  it('turns .wh. files into 0/0 devices and .wh..wh..opq into opaque xattrs, and back', async () => {
    const src = join(work, 'wh-src');
    mkdirSync(join(src, 'dir'), { recursive: true });
    writeFileSync(join(src, 'dir', 'kept'), 'kept\n');
    writeFileSync(join(src, '.wh.deleted'), '');
    writeFileSync(join(src, 'dir', '.wh..wh..opq'), '');
    const tarball = join(work, 'wh.tar');
    await create({ file: tarball, cwd: src }, ['dir', '.wh.deleted']);
    const layer = join(work, 'wh-layer');
    await unpackLayer(tarball, layer);
    const dev = lstatSync(join(layer, 'deleted'));
    assert.ok(dev.isCharacterDevice() && dev.rdev === 0, 'deleted is a 0/0 character device');
    assert.ok(!existsSync(join(layer, '.wh.deleted')));
    assert.ok(!existsSync(join(layer, 'dir', '.wh..wh..opq')));
    assert.deepEqual([...opaqueDirs(layer)], [join(layer, 'dir')]);
    const xattrs = execFileSync('getfattr', ['--absolute-names', '-d', '-m', 'overlay', join(layer, 'dir')], { encoding: 'utf8' });
    assert.match(xattrs, /trusted\.overlay\.opaque="y"/, 'as host root: trusted.*');
    assert.match(xattrs, /user\.overlay\.opaque="y"/, 'for overlays mounted with userxattr');
    assert.equal(readFileSync(join(layer, 'dir', 'kept'), 'utf8'), 'kept\n');

    const back = join(work, 'wh-back.tar');
    await packLayer(layer, back);
    assert.deepEqual(await entries(back), ['File .wh.deleted', 'Directory dir/', 'File dir/.wh..wh..opq', 'File dir/kept']);
  });
});

describe('references and progress', () => {
  it('reads references as Docker does', () => {
    assert.deepEqual(parseReference('busybox'), { registry: 'docker.io', repository: 'library/busybox', tag: 'latest', digest: null });
    assert.equal(familiarName(parseReference('127.0.0.1:5000/a/b:v1')), '127.0.0.1:5000/a/b:v1');
    assert.equal(familiarName(parseReference('docker.io/library/debian:12')), 'debian:12');
    assert.throws(() => parseReference('UPPER/case'), /is not an image reference/);
  });

  it('rewrites a layer\'s line in place on a terminal, prints plain lines otherwise', () => {
    let tty = '';
    const onTty = new Progress({ isTTY: true, write: (t: string) => { tty += t; } });
    onTty.state('aaa', 'Downloading');
    onTty.state('bbb', 'Downloading');
    onTty.bytes('aaa', 512, 1024);
    assert.equal(tty, 'aaa: Downloading\nbbb: Downloading\n\x1b[2A\r\x1b[2Kaaa: Downloading 512B/1.0kB\x1b[2B\r');
    let plain = '';
    const onPipe = new Progress({ isTTY: false, write: (t: string) => { plain += t; } });
    onPipe.state('aaa', 'Downloading');
    onPipe.bytes('aaa', 512, 1024);
    onPipe.state('aaa', 'Pull complete');
    assert.equal(plain, 'aaa: Downloading\naaa: Pull complete\n');
  });
});
