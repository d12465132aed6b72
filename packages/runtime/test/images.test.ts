import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { create } from 'tar';
import { ImageStore } from '../src/images/store.js';
import { makeCli, type Cli } from './cli-helpers.js';
import { makeBusyboxRootfs } from './helpers.js';

let cli: Cli;
let work: string;
before(async () => {
  cli = await makeCli();
  work = mkdtempSync(join(tmpdir(), 'byhand-images-'));
});
after(async () => {
  await cli.cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe('the image store', () => {
  it('imports a gzipped tar, lists it, runs it by name, and removes it', async () => {
    const rootfs = makeBusyboxRootfs();
    const tarball = join(work, 'busybox.tar.gz');
    await create({ gzip: true, file: tarball, cwd: rootfs, portable: false }, ['.']);
    rmSync(rootfs, { recursive: true, force: true });
    const imported = await cli.run(['import', tarball, 'fromtar']);
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(imported.stdout, 'fromtar\n');
    const list = await cli.run(['images']);
    assert.match(list.stdout, /^NAME +CREATED +ROOTFS\n/);
    assert.match(list.stdout, /\nbusybox +\S+ +\S+\/images\/busybox\/rootfs\n/);
    assert.match(list.stdout, /\nfromtar +\S+ +\S+\/images\/fromtar\/rootfs\n/);
    const image = new ImageStore(cli.stateDir).require('fromtar');
    assert.ok(existsSync(join(image.rootfs, 'bin', 'busybox')));
    assert.deepEqual(image.config.cmd, ['/bin/sh']);

    const r = await cli.run(['run', '--rm', 'fromtar', 'sh', '-c', 'readlink /bin/sh; cat /etc/hostname 2>/dev/null; echo ok']);
    assert.equal(r.stdout, 'busybox\nok\n', r.stderr);

    assert.equal((await cli.run(['create', '--name', 'user-of-fromtar', 'fromtar', 'true'])).code, 0);
    const refused = await cli.run(['rmi', 'fromtar']);
    assert.equal(refused.code, 125);
    assert.match(refused.stderr, /image fromtar is used by container user-of-fromtar/);
    assert.equal((await cli.run(['rm', 'user-of-fromtar'])).code, 0);
    assert.equal((await cli.run(['rmi', 'fromtar'])).stdout, 'Deleted: fromtar\n');
    assert.equal((await cli.run(['images', '-q'])).stdout, 'busybox\n');
    const gone = await cli.run(['run', '--rm', 'fromtar', 'true']);
    assert.equal(gone.code, 125);
    assert.match(gone.stderr, /unknown image fromtar: see byhand images/);
  });

  it('rejects what it cannot import, saying why', async () => {
    const missing = await cli.run(['import', join(work, 'nope.tar'), 'nope']);
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /cannot import .*nope\.tar: no such file or directory/);
    const badName = await cli.run(['import', work, 'Bad Name']);
    assert.equal(badName.code, 125);
    assert.match(badName.stderr, /image name "Bad Name" must be lower-case/);
  });

  it('keeps an image that references a layer elsewhere (the lab image) when removing it', async () => {
    const store = new ImageStore(cli.stateDir);
    const rootfs = makeBusyboxRootfs();
    try {
      mkdirSync(join(store.dir, 'ref'));
      writeFileSync(join(store.dir, 'ref', 'image.json'), JSON.stringify({ name: 'ref', created: 'now', rootfs, config: {} }));
      assert.equal(store.require('ref').rootfs, rootfs);
      store.remove('ref');
      assert.equal(store.get('ref'), null);
      assert.ok(existsSync(join(rootfs, 'bin', 'busybox')), 'the referenced layer stays');
      assert.equal(readFileSync(join(rootfs, 'bin', 'busybox')).length > 0, true);
    } finally {
      rmSync(rootfs, { recursive: true, force: true });
    }
  });
});
