import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ImageStore } from '../src/images/store.js';
import { waitUntil } from '../src/proc.js';
import { makeCli, type Cli } from './cli-helpers.js';

let cli: Cli;
let bundle: string;
before(async () => {
  cli = await makeCli();
  bundle = mkdtempSync(join(tmpdir(), 'byhand-bundle-'));
  cpSync(new ImageStore(cli.stateDir).require('busybox').layers[0]!, join(bundle, 'rootfs'), { recursive: true, verbatimSymlinks: true });
});
after(async () => {
  await cli.cleanup();
  rmSync(bundle, { recursive: true, force: true });
});

function setArgs(args: string[]): void {
  const path = join(bundle, 'config.json');
  const spec = JSON.parse(readFileSync(path, 'utf8'));
  spec.process.args = args;
  writeFileSync(path, JSON.stringify(spec));
}

async function state(id: string): Promise<Record<string, unknown>> {
  const r = await cli.run(['oci', 'state', id]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('byhand oci', () => {
  it('spec writes a runtime-spec config.json that run runs', async () => {
    assert.equal((await cli.run(['oci', 'spec', '--bundle', bundle])).code, 0);
    const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
    assert.equal(spec.ociVersion, '1.0.2');
    assert.equal(spec.root.path, 'rootfs');
    assert.deepEqual(spec.process.args, ['sh']);
    const again = await cli.run(['oci', 'spec', '--bundle', bundle]);
    assert.equal(again.code, 125);
    assert.match(again.stderr, /already exists/);
    setArgs(['sh', '-c', 'hostname; echo $$']);
    const r = await cli.run(['oci', 'run', '--bundle', bundle, 'ocirun']);
    assert.equal(r.stderr, '');
    assert.deepEqual(r.stdout.trim().split('\n'), ['byhand', '1']);
    assert.equal(r.code, 0);
    assert.equal((await state('ocirun')).status, 'stopped');
    assert.equal((await cli.run(['oci', 'delete', 'ocirun'])).code, 0);
  });

  it('state reports each stage: created, running, stopped; delete removes it', async () => {
    setArgs(['sleep', '1000']);
    const created = await cli.run(['oci', 'create', '--bundle', bundle, 'staged']);
    assert.equal(created.code, 0, created.stderr);
    const s1 = await state('staged');
    assert.deepEqual({ ...s1, pid: typeof s1.pid }, { ociVersion: '1.0.2', id: 'staged', status: 'created', pid: 'number', bundle });
    assert.ok((s1.pid as number) > 0, 'a created container has its pid');
    assert.equal((await cli.run(['oci', 'start', 'staged'])).code, 0);
    assert.equal((await state('staged')).status, 'running');
    assert.equal((await cli.run(['oci', 'kill', 'staged', 'KILL'])).code, 0);
    const id = readFileSync(join(cli.stateDir, 'names', 'staged'), 'utf8');
    assert.ok(await waitUntil(() => readFileSync(join(cli.stateDir, 'containers', id, 'state.json'), 'utf8').includes('"stopped"'), 5000));
    const s3 = await state('staged');
    assert.equal(s3.status, 'stopped');
    assert.equal(s3.pid, 0);
    assert.equal((await cli.run(['oci', 'delete', 'staged'])).code, 0);
    const gone = await cli.run(['oci', 'state', 'staged']);
    assert.equal(gone.code, 125);
    assert.match(gone.stderr, /no such container: staged/);
  });

  it('says what is wrong with a bundle', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'byhand-empty-bundle-'));
    const r = await cli.run(['oci', 'create', '--bundle', empty, 'nothing']);
    rmSync(empty, { recursive: true, force: true });
    assert.equal(r.code, 125);
    assert.match(r.stderr, /config\.json does not exist: make one with byhand oci spec/);
  });
});
