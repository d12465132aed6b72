import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { hashPaths } from '../lib/hash.mjs';

test('a tree hash follows sources and ignores excluded build output', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'byhand-hash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'app'));
  writeFileSync(join(dir, 'app', 'page.tsx'), 'one');
  const hash = () => hashPaths([join(dir, 'app'), join(dir, 'extra.json')], { exclude: ['.next', /\.tsbuildinfo$/] });
  const first = hash();

  mkdirSync(join(dir, 'app', '.next'));
  writeFileSync(join(dir, 'app', '.next', 'out.js'), 'built');
  writeFileSync(join(dir, 'app', 'tsconfig.tsbuildinfo'), '{}');
  assert.equal(hash(), first, 'excluded files changed the hash');

  writeFileSync(join(dir, 'app', 'page.tsx'), 'two');
  const second = hash();
  assert.notEqual(second, first, 'an edited file did not change the hash');

  writeFileSync(join(dir, 'extra.json'), '{}');
  assert.notEqual(hash(), second, 'a newly created file did not change the hash');
});
