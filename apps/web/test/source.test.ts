import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findSource, listSource, readSource, repoRoot } from '../lib/source';

describe('the runtime source the site serves at /source/', () => {
  test('lists the runtime and agent source, folders and files', () => {
    const paths = listSource().map((e) => `${e.kind}:${e.path}`);
    for (const expected of ['dir:packages/runtime/native', 'file:packages/runtime/native/rootfs.c', 'file:packages/runtime/src/userns.ts', 'dir:packages/runtime/src/cgroups', 'file:sandbox-agent/src/sandbox.ts']) {
      assert.ok(paths.includes(expected), `${expected} in ${paths.length} entries`);
    }
    assert.ok(!paths.some((p) => /node_modules|build\/|\.gyp|package\.json/.test(p)), 'nothing but .ts, .c and .h source');
  });

  test('reads a served file and finds a folder with a trailing slash', () => {
    assert.match(readSource('packages/runtime/native/rootfs.c'), /pivot_root/);
    assert.equal(findSource('packages/runtime/native/')?.kind, 'dir');
  });

  test('refuses anything outside the source roots, however the path is written', () => {
    for (const rel of ['../../etc/passwd', '/etc/passwd', 'packages/runtime/native/../../../package.json', 'package.json', 'packages/runtime/binding.gyp', 'packages/runtime/native']) {
      assert.throws(() => readSource(rel), /is not a source file this site serves/, rel);
    }
  });

  test('finds the repository from a folder inside it', () => {
    assert.equal(repoRoot(`${repoRoot()}/packages/runtime/native`), repoRoot());
  });
});
