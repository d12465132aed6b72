/**
 * The lab image: the read-only root filesystem every learner's sandbox starts from, built
 * with mmdebstrap from infra/images/lab/recipe.json and rebuilt only when the recipe changes.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readKey, sha256 } from './hash.mjs';
import { labSources, readHostSources } from './apt-sources.mjs';
import { runCommand } from './run.mjs';

const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;

export function labPaths(stateDir) {
  const dir = join(stateDir, 'images', 'lab');
  return { dir, rootfs: join(dir, 'rootfs'), keyFile: join(dir, 'recipe.sha256') };
}

/** Reads and checks the recipe; the customisation script is named relative to it. */
export function readRecipe(recipePath) {
  let recipe;
  try {
    recipe = JSON.parse(readFileSync(recipePath, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read the lab image recipe ${recipePath}: ${err.message}`);
  }
  const problems = [];
  if (typeof recipe.suite !== 'string' || !recipe.suite) problems.push('"suite" must name a Debian release, e.g. "bookworm"');
  if (typeof recipe.variant !== 'string' || !recipe.variant) problems.push('"variant" must be an mmdebstrap variant, e.g. "minbase"');
  if (!Array.isArray(recipe.packages) || !recipe.packages.every((name) => PACKAGE_NAME.test(name))) {
    problems.push('"packages" must be a list of Debian package names');
  }
  if (typeof recipe.customize !== 'string') problems.push('"customize" must name the customisation script');
  if (problems.length > 0) throw new Error(`the lab image recipe ${recipePath} is not valid: ${problems.join('; ')}`);
  return {
    components: ['main'],
    dpkgOptions: [],
    ...recipe,
    customizePath: join(dirname(recipePath), recipe.customize),
  };
}

/** The cache key: the recipe and its customisation script, byte for byte. */
export function recipeKey(recipePath) {
  const { customizePath } = readRecipe(recipePath);
  return sha256(Buffer.concat([readFileSync(recipePath), Buffer.from('\0'), readFileSync(customizePath)]));
}

export function mmdebstrapArgs(recipe, target, sources) {
  return [
    '--mode=root',
    '--format=directory',
    `--variant=${recipe.variant}`,
    `--include=${recipe.packages.join(',')}`,
    '--aptopt=Acquire::Languages "none"',
    ...recipe.dpkgOptions.map((option) => `--dpkgopt=${option}`),
    `--customize-hook=sh ${shellQuote(recipe.customizePath)} "$1"`,
    recipe.suite,
    target,
    ...sources,
  ];
}

/** The set-up step: returns {status: 'cached'} or builds the image and returns {status: 'done'}. */
export async function labImageStep(ctx, { stateDir, recipePath, aptDir = '/etc/apt' }) {
  const { dir, rootfs, keyFile } = labPaths(stateDir);
  const recipe = readRecipe(recipePath);
  const key = recipeKey(recipePath);
  if (isBuilt(rootfs, keyFile, key)) return { status: 'cached' };

  mkdirSync(dir, { recursive: true, mode: 0o755 });
  await removeAbandonedBuilds(dir, ctx);
  const target = join(dir, `.build-${process.pid}`);
  const sources = labSources(readHostSources(aptDir), recipe.suite, recipe.components);
  ctx.log(`building ${rootfs} from ${sources[0].split(' ')[1]} (${recipe.suite}, ${recipe.packages.length} packages)`);
  try {
    await ctx.run('mmdebstrap', mmdebstrapArgs(recipe, target, sources), {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    checkRootfs(target);
  } catch (err) {
    await removeTree(target);
    throw err;
  }
  // Another set-up running at the same time may have finished first with the same recipe.
  if (isBuilt(rootfs, keyFile, key)) {
    await removeTree(target);
    return { status: 'done' };
  }
  await replaceRootfs(rootfs, target);
  writeFileSync(`${keyFile}.tmp`, `${key}\n`);
  renameSync(`${keyFile}.tmp`, keyFile);
  return { status: 'done' };
}

function isBuilt(rootfs, keyFile, key) {
  return readKey(keyFile) === key && existsSync(join(rootfs, 'bin', 'bash'));
}

/** The runtime maps the image into each sandbox with an idmapped mount: it must be root's. */
function checkRootfs(target) {
  if (!existsSync(join(target, 'bin', 'bash'))) {
    throw new Error(`mmdebstrap finished but ${target}/bin/bash is missing: the image is incomplete`);
  }
  const { uid, gid } = statSync(target);
  if (uid !== 0 || gid !== 0) {
    throw new Error(`the new root filesystem is owned by ${uid}:${gid}, not root (0:0); run the set-up as root`);
  }
}

/** Two renames, so the path is only ever missing for an instant and never half-built. */
async function replaceRootfs(rootfs, target) {
  if (!existsSync(rootfs)) {
    renameSync(target, rootfs);
    return;
  }
  const old = join(dirname(rootfs), `.old-${process.pid}`);
  renameSync(rootfs, old);
  renameSync(target, rootfs);
  await removeTree(old);
}

/** Build directories left by a set-up that was interrupted (its process is gone). */
async function removeAbandonedBuilds(dir, ctx) {
  for (const name of readdirSync(dir)) {
    const match = /^\.(?:build|old)-(\d+)$/.exec(name);
    if (!match || isAlive(Number(match[1]))) continue;
    ctx.log(`removing ${join(dir, name)}, left over from an interrupted build`);
    await removeTree(join(dir, name));
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/**
 * Removes a (possibly half-built) root filesystem. mmdebstrap mounts /proc, /sys and /dev into
 * it while it works; an interrupted build can leave those behind, and deleting through them
 * would delete host files. So: unmount first, then never cross into another file system.
 */
export async function removeTree(path) {
  if (!existsSync(path)) return;
  for (const mountPoint of mountsUnder(path)) {
    await runCommand('umount', ['--lazy', mountPoint], { quiet: true });
  }
  await runCommand('rm', ['-rf', '--one-file-system', '--', path], { quiet: true });
}

function mountsUnder(path) {
  const lines = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  const points = lines
    .map((line) => line.split(' ')[4])
    .filter(Boolean)
    .map((field) => field.replace(/\\([0-7]{3})/g, (_, octal) => String.fromCharCode(parseInt(octal, 8))))
    .filter((point) => point === path || point.startsWith(`${path}/`));
  // Deepest first, so that nothing is still mounted on top of what is being unmounted.
  return points.sort((a, b) => b.length - a.length);
}

function shellQuote(text) {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
