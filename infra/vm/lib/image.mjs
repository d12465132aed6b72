/**
 * The test VM's disk image: Debian from Debian's packages (recipe.json, customize.sh, guest/),
 * built with mmdebstrap into a directory, then turned into an ext4 disk plus the kernel and
 * initrd for QEMU's direct boot. Cached under $BYHAND_STATE_DIR/vm/image, keyed by a hash of
 * the recipe's files, so that it is rebuilt only when they change.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readKey, sha256 } from '../../../scripts/lib/hash.mjs';
import { labSources, readHostSources } from '../../../scripts/lib/apt-sources.mjs';
import { removeTree } from '../../../scripts/lib/lab-image.mjs';

export const RECIPE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const RECIPE_FILES = ['recipe.json', 'initramfs.sh', 'customize.sh', 'guest'];

export function imagePaths(stateDir) {
  const dir = join(stateDir, 'vm', 'image');
  return {
    dir,
    disk: join(dir, 'disk.ext4'),
    kernel: join(dir, 'vmlinuz'),
    initrd: join(dir, 'initrd.img'),
    recipe: join(dir, 'recipe.json'),
    keyFile: join(dir, 'recipe.sha256'),
  };
}

export function readRecipe(recipeDir = RECIPE_DIR) {
  const path = join(recipeDir, 'recipe.json');
  let recipe;
  try {
    recipe = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read the VM image recipe ${path}: ${err.message}`);
  }
  for (const field of ['suite', 'variant', 'essential', 'customize', 'diskSize', 'cmdline']) {
    if (typeof recipe[field] !== 'string' || recipe[field] === '') throw new Error(`${path}: "${field}" must be a non-empty string`);
  }
  if (!Array.isArray(recipe.packages) || recipe.packages.length === 0) throw new Error(`${path}: "packages" must list Debian packages`);
  return { components: ['main'], dpkgOptions: [], ...recipe };
}

/** Every file of the recipe, by its name relative to the recipe directory and its bytes. */
export function recipeKey(recipeDir = RECIPE_DIR) {
  const parts = [];
  const add = (path) => {
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) add(join(path, name));
      return;
    }
    parts.push(`${relative(recipeDir, path)} ${statSync(path).mode & 0o111 ? 'x' : '-'} ${sha256(readFileSync(path))}`);
  };
  for (const name of RECIPE_FILES) add(join(recipeDir, name));
  return sha256(parts.join('\n'));
}

export function isBuilt(paths, key) {
  return readKey(paths.keyFile) === key && [paths.disk, paths.kernel, paths.initrd].every((p) => existsSync(p));
}

function mmdebstrapArgs(recipe, recipeDir, target, sources) {
  return [
    '--mode=root',
    '--format=directory',
    `--variant=${recipe.variant}`,
    `--include=${recipe.packages.join(',')}`,
    '--aptopt=Acquire::Languages "none"',
    ...recipe.dpkgOptions.map((option) => `--dpkgopt=${option}`),
    `--essential-hook=sh '${join(recipeDir, recipe.essential)}' "$1"`,
    `--customize-hook=sh '${join(recipeDir, recipe.customize)}' "$1"`,
    recipe.suite,
    target,
    ...sources,
  ];
}

/** The one kernel (or initrd) in /boot: a recipe that installs two kernels is ambiguous. */
function onlyOne(bootDir, prefix) {
  const found = readdirSync(bootDir).filter((name) => name.startsWith(prefix));
  if (found.length !== 1) {
    throw new Error(`expected one ${prefix}* in ${bootDir}, found ${found.length} (${found.join(', ') || 'none'}): check linux-image-amd64 and initramfs-tools in the recipe`);
  }
  return join(bootDir, found[0]);
}

/**
 * Builds the image unless the cached one matches the recipe. run(file, args, options) runs a
 * command (streaming its output); log(line) reports a step. Returns 'cached' or 'built'.
 */
export async function ensureImage({ stateDir, run, log, recipeDir = RECIPE_DIR, aptDir = '/etc/apt' }) {
  const paths = imagePaths(stateDir);
  const recipe = readRecipe(recipeDir);
  const key = recipeKey(recipeDir);
  if (isBuilt(paths, key)) return 'cached';

  const vmDir = dirname(paths.dir);
  mkdirSync(vmDir, { recursive: true, mode: 0o755 });
  const build = join(vmDir, `.build-${process.pid}`);
  const rootfs = join(build, 'rootfs');
  mkdirSync(build);
  try {
    const sources = labSources(readHostSources(aptDir), recipe.suite, recipe.components);
    log(`mmdebstrap ${recipe.suite} (${recipe.packages.length} packages) from ${sources[0].split(' ')[1]}`);
    await run('mmdebstrap', mmdebstrapArgs(recipe, recipeDir, rootfs, sources), {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    copyFileSync(onlyOne(join(rootfs, 'boot'), 'vmlinuz-'), join(build, 'vmlinuz'));
    copyFileSync(onlyOne(join(rootfs, 'boot'), 'initrd.img-'), join(build, 'initrd.img'));
    log(`mkfs.ext4 ${recipe.diskSize} (sparse) from the root filesystem`);
    const disk = join(build, 'disk.ext4');
    writeFileSync(disk, '');
    truncateSync(disk, toBytes(recipe.diskSize));
    await run('mkfs.ext4', ['-q', '-F', '-L', 'byhand-vm', '-d', rootfs, disk]);
    await removeTree(rootfs);
    writeFileSync(join(build, 'recipe.json'), `${JSON.stringify(recipe, null, 2)}\n`);
    writeFileSync(join(build, 'recipe.sha256'), `${key}\n`);
  } catch (err) {
    await removeTree(build);
    throw err;
  }
  await replaceDir(paths.dir, build);
  return 'built';
}

function toBytes(size) {
  const match = /^(\d+)([MG])$/.exec(size);
  if (!match) throw new Error(`diskSize "${size}" must be a number followed by M or G, e.g. "6G"`);
  return Number(match[1]) * 2 ** (match[2] === 'G' ? 30 : 20);
}

/** Two renames: the image directory is never half-written. */
async function replaceDir(dir, build) {
  if (existsSync(dir)) {
    const old = join(dirname(dir), `.old-${process.pid}`);
    renameSync(dir, old);
    renameSync(build, dir);
    await removeTree(old);
  } else {
    renameSync(build, dir);
  }
}

/** Build and run directories of harness runs that were interrupted (their process is gone). */
export async function removeAbandoned(vmDir, log) {
  for (const name of readdirSync(vmDir)) {
    const match = /^\.(?:build|old|run|disk)-(\d+)$/.exec(name);
    if (!match || isAlive(Number(match[1]))) continue;
    log(`removing ${join(vmDir, name)}, left over from an interrupted run`);
    await removeTree(join(vmDir, name));
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
