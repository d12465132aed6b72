import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeCli, type Cli } from './cli-helpers.js';
import { buildTestLayout, push, pushIndex, registryBlobPath, requireTools, sh, snapshot, startRegistry, startTokenGate, withExtraLayer, type TestRegistry } from './images-fixtures.js';

let cli: Cli;
let registry: TestRegistry;
let work: string;
let layout: string;

before(async () => {
  requireTools('docker-registry', 'skopeo', 'umoci', 'setfattr');
  cli = await makeCli();
  work = mkdtempSync(join(tmpdir(), 'byhand-pull-'));
  registry = await startRegistry();
  layout = buildTestLayout(work);
  push(layout, registry, 'demo:v1');
});
after(async () => {
  await cli?.cleanup();
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('byhand pull from a real registry', () => {
  it('fetches every layer, one progress line each, and a container sees exactly the last layer\'s files', async () => {
    const ref = `${registry.host}/demo:v1`;
    const pulled = await cli.run(['pull', ref]);
    assert.equal(pulled.code, 0, pulled.stderr);
    const lines = pulled.stdout.split('\n');
    assert.equal(lines.filter((l) => / Pull complete$/.test(l)).length, 4, pulled.stdout);
    assert.ok(!pulled.stdout.includes('\x1b['), 'not a terminal: plain lines, no cursor movement');
    assert.match(pulled.stdout, /\nDigest: sha256:[0-9a-f]{64}\nPulled 127\.0\.0\.1:\d+\/demo:v1\n$/);

    const r = await cli.run(['run', '--rm', ref, 'sh', '-c',
      'cat /etc/app.conf /added.txt /stay.txt; ls -A /old; echo old-listed; ls -A /cache; echo cache-listed; echo $GREETING']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'v2\nnew\nsame\nold-listed\ncache-listed\nhello\n');

    const again = await cli.run(['pull', ref]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.split('\n').filter((l) => / Already exists$/.test(l)).length, 5, again.stdout);
  });

  it('lists, tags, shows the history of and inspects the pulled image', async () => {
    const ref = `${registry.host}/demo:v1`;
    assert.equal((await cli.run(['tag', ref, 'mine'])).stdout, 'mine:latest\n');
    const list = await cli.run(['images']);
    assert.match(list.stdout, /^NAME +IMAGE ID +CREATED +LAYERS\n/);
    const id = new RegExp(`\\n${ref.replace(/[.]/g, '\\.')} +([0-9a-f]{12}) +\\S+ +4\\n`).exec(list.stdout)?.[1];
    assert.ok(id, list.stdout);
    assert.match(list.stdout, new RegExp(`\\nmine:latest +${id} +\\S+ +4\\n`));
    const history = await cli.run(['history', 'mine']);
    assert.equal(history.code, 0, history.stderr);
    assert.equal(history.stdout.trim().split('\n').length, 1 + 5, history.stdout);
    const inspect = JSON.parse((await cli.run(['image', 'inspect', 'mine'])).stdout) as Array<{ layers: string[]; config: { cmd: string[] } }>;
    assert.equal(inspect[0]!.layers.length, 4);
    assert.deepEqual(inspect[0]!.config.cmd, ['sh']);
    assert.equal((await cli.run(['rmi', 'mine'])).code, 0);
    assert.equal((await cli.run(['run', '--rm', ref, 'cat', '/added.txt'])).stdout, 'new\n', 'removing one name keeps the layers the other needs');
  });

  it('fails on a corrupted blob, naming its digest, and leaves the store as it was', async () => {
    const bad = withExtraLayer(work, layout, 'unique.txt');
    push(bad, registry, 'demo:bad');
    const manifest = JSON.parse(sh('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/demo:bad`])) as { layers: Array<{ digest: string }> };
    const top = manifest.layers.at(-1)!.digest;
    const blob = registryBlobPath(registry, top);
    writeFileSync(blob, Buffer.alloc(statSync(blob).size, 0x41));
    const before = snapshot(join(cli.stateDir, 'images'));
    const r = await cli.run(['pull', `${registry.host}/demo:bad`]);
    assert.equal(r.code, 125);
    assert.match(r.stderr, new RegExp(`blob ${top} from 127\\.0\\.0\\.1:\\d+/demo does not match its digest`));
    assert.equal(snapshot(join(cli.stateDir, 'images')), before);
    assert.doesNotMatch((await cli.run(['images'])).stdout, /demo:bad/);
  });

  it('resumes an interrupted download where it stopped', async () => {
    const image = withExtraLayer(work, layout, 'resume.txt');
    push(image, registry, 'demo:resume');
    const manifest = JSON.parse(sh('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/demo:resume`])) as { layers: Array<{ digest: string }> };
    const top = manifest.layers.at(-1)!.digest;
    const whole = readFileSync(registryBlobPath(registry, top));
    const tmp = join(cli.stateDir, 'images', 'tmp');
    mkdirSync(tmp, { recursive: true });
    // What an interrupted pull leaves: the first part of the blob.
    writeFileSync(join(tmp, `pull-${top.slice(7)}.partial`), whole.subarray(0, Math.floor(whole.length / 2)));
    const r = await cli.run(['pull', `${registry.host}/demo:resume`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`\n${top.slice(7, 19)}: Resuming at \\d+B`));
    assert.equal((await cli.run(['run', '--rm', `${registry.host}/demo:resume`, 'cat', '/resume.txt'])).stdout, 'resume.txt\n');
  });

  it('asks a token service when the registry wants one, and picks linux/amd64 from a manifest list', async () => {
    await pushIndex(registry, 'demo', 'multi', 'resume', 'v1');
    const gate = await startTokenGate(registry);
    try {
      const ref = `${gate.host}/demo:multi`;
      const r = await cli.run(['pull', ref]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual([...new Set(gate.scopes)], ['repository:demo:pull']);
      const seen = await cli.run(['run', '--rm', ref, 'sh', '-c', 'cat /added.txt; ls /resume.txt 2>&1']);
      assert.equal(seen.stdout, 'new\nls: /resume.txt: No such file or directory\n', 'the amd64 entry (demo:v1), not the arm64 one');
    } finally {
      await gate.stop();
    }
  });

  it('says what was wrong when the registry refuses', async () => {
    const r = await cli.run(['pull', `${registry.host}/nothing:here`]);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /registry 127\.0\.0\.1:\d+ refused the manifest here of nothing: HTTP 404/);
  });
});

function digestOf(cliOut: string): string {
  return (JSON.parse(cliOut) as Array<{ digest: string }>)[0]!.digest;
}

describe('commit, save and load, export and import', () => {
  it('commits a container\'s changes as a new layer; the original image is untouched', async () => {
    const ref = `${registry.host}/demo:v1`;
    const made = await cli.run(['run', '--name', 'changer', ref, 'sh', '-c',
      'echo changed > /etc/app.conf; rm /stay.txt; echo x > /added2.txt; rm -rf /cache; mkdir /cache; echo fresh > /cache/n']);
    assert.equal(made.code, 0, made.stderr);
    const committed = await cli.run(['commit', '-m', 'by hand', 'changer', 'demo:committed']);
    assert.equal(committed.code, 0, committed.stderr);
    assert.match(committed.stdout, /^demo:committed [0-9a-f]{12}\n$/);
    const seen = await cli.run(['run', '--rm', 'demo:committed', 'sh', '-c', 'cat /etc/app.conf /added2.txt /cache/n; ls /stay.txt 2>&1; ls /cache']);
    assert.equal(seen.stdout, 'changed\nx\nfresh\nls: /stay.txt: No such file or directory\nn\n', seen.stderr);
    const original = await cli.run(['run', '--rm', ref, 'sh', '-c', 'cat /etc/app.conf /stay.txt; ls /added2.txt 2>&1']);
    assert.equal(original.stdout, 'v2\nsame\nls: /added2.txt: No such file or directory\n');
    const history = await cli.run(['history', 'demo:committed']);
    assert.match(history.stdout.split('\n')[1]!, /^[0-9a-f]{12} +\S+ +byhand commit changer \(sh -c echo changed/);
    assert.equal((await cli.run(['rm', 'changer'])).code, 0);
  });

  it('save, rmi, load round-trips to the same digest, and skopeo reads the archive', async () => {
    const digest = digestOf((await cli.run(['image', 'inspect', 'demo:committed'])).stdout);
    const archive = join(work, 'ours.tar');
    const saved = await cli.run(['save', '-o', archive, 'demo:committed']);
    assert.equal(saved.code, 0, saved.stderr);
    assert.equal((await cli.run(['rmi', 'demo:committed'])).code, 0);
    assert.equal((await cli.run(['run', '--rm', 'demo:committed', 'true'])).code, 125);
    const loaded = await cli.run(['load', '-i', archive]);
    assert.equal(loaded.code, 0, loaded.stderr);
    // The id `byhand images` shows for it, as docker load and docker images agree.
    const listed = (await cli.run(['images'])).stdout.split('\n').find((l) => l.startsWith('demo:committed '));
    assert.ok(listed, 'demo:committed is listed again');
    assert.equal(loaded.stdout, `Loaded image: demo:committed (${listed.split(/\s+/)[1]})\n`);
    assert.equal(digestOf((await cli.run(['image', 'inspect', 'demo:committed'])).stdout), digest);
    assert.equal((await cli.run(['run', '--rm', 'demo:committed', 'cat', '/etc/app.conf'])).stdout, 'changed\n');

    const inspected = JSON.parse(sh('skopeo', ['inspect', `oci-archive:${archive}`])) as { Digest: string; Layers: string[] };
    assert.equal(inspected.Digest, digest);
    assert.equal(inspected.Layers.length, 5);
    sh('skopeo', ['copy', `oci-archive:${archive}`, `oci:${join(work, 'copied')}:x`]);
    assert.match(sh('umoci', ['ls', '--layout', join(work, 'copied')]), /^x$/m);
  });

  it('loads what skopeo writes: an OCI archive and a docker save archive', async () => {
    const ref = `${registry.host}/demo:v1`;
    const oci = join(work, 'theirs-oci.tar');
    const docker = join(work, 'theirs-docker.tar');
    sh('skopeo', ['copy', '--src-tls-verify=false', `docker://${ref}`, `oci-archive:${oci}:demo:from-oci`]);
    sh('skopeo', ['copy', '--src-tls-verify=false', `docker://${ref}`, `docker-archive:${docker}:demo:from-docker`]);
    for (const [archive, name] of [[oci, 'demo:from-oci'], [docker, 'demo:from-docker']] as const) {
      const loaded = await cli.run(['load', '-i', archive]);
      assert.equal(loaded.code, 0, loaded.stderr);
      assert.match(loaded.stdout, new RegExp(`^Loaded image: ${name} \\([0-9a-f]{12}\\)\\n$`));
      const r = await cli.run(['run', '--rm', name, 'sh', '-c', 'cat /etc/app.conf /added.txt; ls -A /cache /old']);
      assert.equal(r.stdout, 'v2\nnew\n/cache:\n\n/old:\n', r.stderr);
    }
    const damaged = join(work, 'damaged.tar');
    writeFileSync(damaged, 'not a tarball at all');
    const refused = await cli.run(['load', '-i', damaged]);
    assert.equal(refused.code, 125);
    assert.match(refused.stderr, /load: .*damaged\.tar is damaged or not a tarball: TAR_BAD_ARCHIVE/);
  });

  it('exports a container flattened, and imports it back as one layer', async () => {
    const made = await cli.run(['run', '--name', 'exported', `${registry.host}/demo:v1`, 'sh', '-c', 'echo mine > /mine.txt; rm /added.txt']);
    assert.equal(made.code, 0, made.stderr);
    const flat = join(work, 'flat.tar');
    const exported = await cli.run(['export', '-o', flat, 'exported']);
    assert.equal(exported.code, 0, exported.stderr);
    const names = sh('tar', ['tf', flat]).split('\n');
    assert.ok(names.includes('mine.txt') && names.includes('etc/app.conf'), names.join(' '));
    assert.ok(!names.some((n) => n.includes('.wh.') || n === 'added.txt' || n === 'old/gone.txt' || n.startsWith('cache/a')), names.join(' '));
    assert.equal((await cli.run(['import', flat, 'flat'])).code, 0);
    const r = await cli.run(['run', '--rm', 'flat', 'sh', '-c', 'cat /mine.txt /etc/app.conf; ls /added.txt 2>&1']);
    assert.equal(r.stdout, 'mine\nv2\nls: /added.txt: No such file or directory\n', r.stderr);
    assert.equal(JSON.parse((await cli.run(['image', 'inspect', 'flat'])).stdout)[0].layers.length, 1);
    assert.equal((await cli.run(['rm', 'exported'])).code, 0);
  });
});
