import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import test from 'node:test';
import { labImageStep, labPaths, mmdebstrapArgs, readRecipe, recipeKey } from '../lib/lab-image.mjs';
import { Reporter } from '../lib/report.mjs';

const LAB = fileURLToPath(new URL('../../infra/images/lab/', import.meta.url));
const RECIPE = join(LAB, 'recipe.json');
const STATE = process.env.BYHAND_STATE_DIR || '/var/lib/byhand';

function tempRecipe(t) {
  const dir = mkdtempSync(join(tmpdir(), 'byhand-recipe-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  copyFileSync(RECIPE, join(dir, 'recipe.json'));
  copyFileSync(join(LAB, 'customize.sh'), join(dir, 'customize.sh'));
  return join(dir, 'recipe.json');
}

test('the recipe hash depends on the recipe and the customisation script, not on where they are', (t) => {
  const copy = tempRecipe(t);
  const original = recipeKey(RECIPE);
  assert.equal(recipeKey(copy), original, 'an identical copy hashed differently');

  const recipe = JSON.parse(readFileSync(copy, 'utf8'));
  writeFileSync(copy, JSON.stringify({ ...recipe, packages: [...recipe.packages, 'htop'] }, null, 2));
  const withPackage = recipeKey(copy);
  assert.notEqual(withPackage, original, 'adding a package did not change the hash');

  writeFileSync(join(copy, '..', 'customize.sh'), '#!/bin/sh\necho changed\n');
  assert.notEqual(recipeKey(copy), withPackage, 'changing the customisation did not change the hash');
});

test('a recipe with a bad package name is refused with the reason', (t) => {
  const copy = tempRecipe(t);
  writeFileSync(copy, JSON.stringify({ ...JSON.parse(readFileSync(copy, 'utf8')), packages: ['bash', 'rm -rf /'] }));
  assert.throws(() => readRecipe(copy), /"packages" must be a list of Debian package names/);
});

test('mmdebstrap gets the suite, the packages, the customisation and the mirrors', () => {
  const recipe = readRecipe(RECIPE);
  const args = mmdebstrapArgs(recipe, '/tmp/target', ['deb http://m.example/debian bookworm main']);
  assert.ok(args.includes(`--include=${recipe.packages.join(',')}`));
  assert.ok(args.includes(`--customize-hook=sh '${join(LAB, 'customize.sh')}' "$1"`));
  assert.deepEqual(args.slice(-3), ['bookworm', '/tmp/target', 'deb http://m.example/debian bookworm main']);
});

test('the lab image is root-owned and a second run of its step is cached and fast', { timeout: 15 * 60_000 }, async () => {
  let text = '';
  const out = new Writable({ write: (chunk, _enc, done) => ((text += chunk), done()) });
  const report = new Reporter(out);
  const step = () => report.step('lab image', (ctx) => labImageStep(ctx, { stateDir: STATE, recipePath: RECIPE }));

  await step(); // builds it only if this recipe has not been built yet
  const started = performance.now();
  const second = await step();
  const seconds = (performance.now() - started) / 1000;
  assert.equal(second.status, 'cached');
  assert.match(text, /\[setup\] lab image \.\.\. cached\n$/);
  assert.ok(seconds < 5, `the cached run took ${seconds.toFixed(1)} s`);

  const { rootfs } = labPaths(STATE);
  const { uid, gid } = statSync(rootfs);
  assert.deepEqual([uid, gid], [0, 0], `${rootfs} must be owned by root`);
  assert.match(readFileSync(join(rootfs, 'root', '.bashrc'), 'utf8'), /export PS1/);
});
