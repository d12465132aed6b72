import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeCli, type Cli } from './cli-helpers.js';
import { requireTools } from './images-fixtures.js';

let cli: Cli;
let work: string;
before(async () => {
  requireTools('setfattr', 'getfattr');
  cli = await makeCli();
  work = mkdtempSync(join(tmpdir(), 'byhand-build-'));
});
after(async () => {
  await cli?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

/** "Step N/M" of each step whose layer came from the cache, and of each that ran. */
function cacheReport(out: string): { cached: number[]; ran: number[] } {
  const steps = out.split(/^Step /m).slice(1);
  const number = (s: string) => Number(/^(\d+)\//.exec(s)![1]);
  return {
    cached: steps.filter((s) => s.includes(' ---> Using cache')).map(number),
    ran: steps.filter((s) => s.includes(' ---> Running in ')).map(number),
  };
}

function layersOf(out: string): string[] {
  return (JSON.parse(out) as Array<{ manifest: { layers: Array<{ digest: string }> } }>)[0]!.manifest.layers.map((l) => l.digest);
}

describe('byhand build', () => {
  it('rebuilds a changed last instruction and reuses the layers before it', async () => {
    const ctx = join(work, 'three');
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN echo one > /one\nRUN echo two > /two\n');
    const first = await cli.run(['build', '-t', 'three:1', ctx]);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(cacheReport(first.stdout), { cached: [], ran: [2, 3] });
    assert.match(first.stdout, /Successfully built [0-9a-f]{12}\nSuccessfully tagged three:1\n$/);

    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN echo one > /one\nRUN echo three > /two\n');
    const second = await cli.run(['build', '-t', 'three:2', ctx]);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(cacheReport(second.stdout), { cached: [2], ran: [3] });

    const before = layersOf((await cli.run(['image', 'inspect', 'three:1'])).stdout);
    const after = layersOf((await cli.run(['image', 'inspect', 'three:2'])).stdout);
    assert.equal(before.length, 3);
    assert.deepEqual(after.slice(0, 2), before.slice(0, 2), 'busybox and RUN echo one: the same layers');
    assert.notEqual(after[2], before[2], 'the changed RUN made a new layer');
    assert.equal((await cli.run(['run', '--rm', 'three:1', 'cat', '/one', '/two'])).stdout, 'one\ntwo\n');
    assert.equal((await cli.run(['run', '--rm', 'three:2', 'cat', '/one', '/two'])).stdout, 'one\nthree\n');
    assert.equal((await cli.run(['ps', '-aq'])).stdout, '', 'no build container is left behind');
  });

  it('copies files, sets the config, and misses the cache when a copied file changes', async () => {
    const ctx = join(work, 'config');
    mkdirSync(join(ctx, 'site'), { recursive: true });
    writeFileSync(join(ctx, 'site', 'index.html'), 'v1\n');
    writeFileSync(join(ctx, 'Dockerfile'), [
      'FROM busybox', 'COPY site /srv/', 'ENV GREETING="hello there" MODE=demo', 'WORKDIR /srv', 'LABEL lesson=images',
      'EXPOSE 8080', 'ENTRYPOINT ["/bin/sh", "-c"]', 'CMD ["echo $GREETING from $(pwd); cat index.html"]', '',
    ].join('\n'));
    const built = await cli.run(['build', '-t', 'site', ctx]);
    assert.equal(built.code, 0, built.stderr);
    assert.equal((await cli.run(['run', '--rm', 'site'])).stdout, 'hello there from /srv\nv1\n');
    const inspect = JSON.parse((await cli.run(['image', 'inspect', 'site'])).stdout)[0] as { config: { labels: object; exposedPorts: string[] } };
    assert.deepEqual(inspect.config.labels, { lesson: 'images' });
    assert.deepEqual(inspect.config.exposedPorts, ['8080/tcp']);

    writeFileSync(join(ctx, 'site', 'index.html'), 'v2\n');
    const rebuilt = await cli.run(['build', '-t', 'site', ctx]);
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.doesNotMatch(rebuilt.stdout, /Using cache/, 'COPY changed, so it and every step after it ran again');
    assert.equal((await cli.run(['run', '--rm', 'site'])).stdout, 'hello there from /srv\nv2\n');
  });

  it('WORKDIR makes its directory when the image lacks it, as Docker does', async () => {
    const ctx = join(work, 'workdir');
    mkdirSync(ctx, { recursive: true });
    writeFileSync(join(ctx, 'Dockerfile'), ['FROM busybox', 'WORKDIR /opt/app/data', 'CMD ["sh", "-c", "pwd"]', ''].join('\n'));
    const built = await cli.run(['build', '-t', 'workdir', ctx]);
    assert.equal(built.code, 0, built.stderr);
    const run = await cli.run(['run', '--rm', 'workdir']);
    assert.equal(run.stdout, '/opt/app/data\n', run.stderr);
  });

  it('ADD unpacks a local tar archive (gzip, xz or plain) keeping its owners; COPY copies it as a file', async () => {
    const ctx = join(work, 'add');
    mkdirSync(join(ctx, 'tree', 'app'), { recursive: true });
    writeFileSync(join(ctx, 'tree', 'app', 'hello.txt'), 'from the archive\n');
    const pack = (name: string, flag: string) => execFileSync('tar', [flag, '-f', join(ctx, name), '--owner=1234', '--group=55', '-C', join(ctx, 'tree'), 'app']);
    pack('app.tar.gz', '-cz');
    pack('app.tar.xz', '-cJ');
    pack('app.tar', '-c');
    writeFileSync(join(ctx, 'notes.txt'), 'not an archive\n');
    writeFileSync(join(ctx, 'Dockerfile'), [
      'FROM busybox', 'ADD app.tar.gz /gz/', 'ADD app.tar.xz /xz', 'ADD app.tar /plain', 'ADD notes.txt /notes.txt', 'COPY app.tar.gz /copied/', '',
    ].join('\n'));
    const built = await cli.run(['build', '-t', 'add', ctx]);
    assert.equal(built.code, 0, built.stderr);
    const script = 'for d in gz xz plain; do cat /$d/app/hello.txt; stat -c "%u:%g" /$d/app/hello.txt; done; cat /notes.txt; ls /copied';
    const run = await cli.run(['run', '--rm', 'add', 'sh', '-c', script]);
    assert.equal(run.stdout, `${'from the archive\n1234:55\n'.repeat(3)}not an archive\napp.tar.gz\n`, run.stderr);

    writeFileSync(join(ctx, 'broken.tar.gz'), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3]));
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nADD broken.tar.gz /x/\n');
    const broken = await cli.run(['build', ctx]);
    assert.equal(broken.code, 125);
    assert.match(broken.stderr, /ADD .*broken\.tar\.gz: not a readable tar archive/);
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nADD http://127.0.0.1:9/app.tar /x/\n');
    const url = await cli.run(['build', ctx]);
    assert.equal(url.code, 125);
    assert.match(url.stderr, /ADD http:\/\/127\.0\.0\.1:9\/app\.tar: byhand build does not download/);
  });

  it('builder prune forgets the cache and frees the layers only it kept', async () => {
    const ctx = join(work, 'prune');
    mkdirSync(ctx, { recursive: true });
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN dd if=/dev/zero of=/big bs=1024 count=2048\nRUN echo kept > /kept\n');
    assert.equal((await cli.run(['build', '-t', 'pruned', ctx])).code, 0);
    assert.equal((await cli.run(['rmi', 'pruned'])).code, 0);
    const again = await cli.run(['build', ctx]);
    assert.deepEqual(cacheReport(again.stdout), { cached: [2, 3], ran: [] }, 'without a name, the cache still holds the layers');

    const pruned = await cli.run(['builder', 'prune']);
    assert.equal(pruned.code, 0, pruned.stderr);
    const entries = Number(/^Deleted build cache entries: (\d+)$/m.exec(pruned.stdout)?.[1]);
    assert.ok(entries >= 2, pruned.stdout);
    const mb = Number(/^Total reclaimed space: ([\d.]+)MB$/m.exec(pruned.stdout)?.[1]);
    assert.ok(mb >= 2, `the 2 MiB file's layer was freed: ${pruned.stdout}`);
    const rebuilt = await cli.run(['build', ctx]);
    assert.deepEqual(cacheReport(rebuilt.stdout), { cached: [], ran: [2, 3] });
    const named = await cli.run(['run', '--rm', 'site', 'cat index.html']);
    assert.equal(named.stdout, 'v2\n', `named images keep their layers: ${named.stderr}`);

    const wrong = await cli.run(['builder', 'clean']);
    assert.equal(wrong.code, 125);
    assert.match(wrong.stderr, /builder knows one command, prune; got "clean"/);
  });

  it('says which instruction it cannot build, and why a RUN failed', async () => {
    const ctx = join(work, 'bad');
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nARG VERSION=1\n');
    const unsupported = await cli.run(['build', ctx]);
    assert.equal(unsupported.code, 125);
    assert.match(unsupported.stderr, /Dockerfile line 2: ARG is not supported: byhand build knows FROM, RUN, COPY/);
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN exit 3\n');
    const failed = await cli.run(['build', ctx]);
    assert.equal(failed.code, 125);
    assert.match(failed.stderr, /build: RUN \/bin\/sh -c exit 3 exited with 3/);
    assert.equal((await cli.run(['ps', '-aq'])).stdout, '');
  });
});
