/**
 * The tools every learner sandbox gets read-only at /opt/byhand, so that `byhand run --rm
 * busybox ...` works inside it (nested):
 *
 *   bin/node          a copy of this node: the lab image has none, and this binary needs only
 *                     Debian 12's glibc and libstdc++, which the lab image has
 *   bin/byhand-init   the runtime's native helper
 *   bin/byhand        a sh wrapper running lib/byhand.mjs (the CLI bundled by esbuild)
 *   images/busybox    the busybox image, found read-only through BYHAND_IMAGES_PATH
 *
 * Nested containers keep their writable layers in BYHAND_STATE_DIR, which the wrapper puts on
 * the sandbox's /tmp: the sandbox's root is an overlay, which cannot be an overlay's upper dir.
 * Where the sandbox has a scratch disk (kernels before 6.6), /tmp/byhand is a link to it.
 *
 * The tree is made immutable (chattr +i): root in a sandbox holds CAP_SYS_ADMIN in its own user
 * namespace and can remount its read-only bind mount read-write, but only root of the host may
 * clear the flag, so one learner cannot change the tools every other learner runs.
 */
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPaths, readKey, sha256 } from './hash.mjs';

const INSIDE = '/opt/byhand';
// Bump when the layout or the wrapper below changes, so the cached tools are rebuilt.
const RECIPE = 'tools-2';

const WRAPPER = `#!/bin/sh
# byhand inside a learner's sandbox, where this directory is mounted read-only at ${INSIDE}.
# Containers' writable layers go to /tmp (a tmpfs): the sandbox's own root is an overlay.
# Before Linux 6.6 tmpfs cannot keep the user.overlay.* attributes of a whiteout or an opaque
# directory; the sandbox then has an ext4 /scratch, and /tmp/byhand leads there.
if [ -z "\${BYHAND_STATE_DIR:-}" ] && [ ! -e /tmp/byhand ] && mountpoint -q /scratch 2>/dev/null; then
  mkdir -p /scratch/byhand && ln -s /scratch/byhand /tmp/byhand 2>/dev/null
fi
: "\${BYHAND_STATE_DIR:=/tmp/byhand}"
: "\${BYHAND_IMAGES_PATH:=${INSIDE}/images}"
export BYHAND_STATE_DIR BYHAND_IMAGES_PATH
BYHAND_INIT_HELPER=${INSIDE}/bin/byhand-init exec ${INSIDE}/bin/node ${INSIDE}/lib/byhand.mjs "$@"
`;

function inputs(root, stateDir) {
  const pkg = join(root, 'packages', 'runtime');
  return {
    src: join(pkg, 'src'),
    packageJson: join(pkg, 'package.json'),
    lock: join(root, 'package-lock.json'),
    helper: join(pkg, 'build', 'Release', 'byhand-init'),
    bundle: join(pkg, 'build', 'byhand.mjs'),
    busybox: join(stateDir, 'images', 'busybox'),
  };
}

/** chattr over a tree; symlinks are skipped as they carry no flags (chattr -R fails on them). */
function setImmutable(ctx, dir, on) {
  return ctx.run('find', [dir, '!', '-type', 'l', '-exec', 'chattr', on ? '+i' : '-i', '--', '{}', '+']);
}

/** Set-up step: (re)makes `${stateDir}/tools` when the CLI, the helper, node or busybox changed. */
export async function toolsStep(ctx, { root, stateDir }) {
  const paths = inputs(root, stateDir);
  for (const [what, path] of [['the native helper', paths.helper], ['the busybox image', paths.busybox]]) {
    if (!existsSync(path)) throw new Error(`${what} is missing (${path}): the native build and images steps make it`);
  }
  const dir = join(stateDir, 'tools');
  const keyFile = join(dir, '.byhand-hash');
  const key = sha256([
    RECIPE,
    hashPaths([paths.src, paths.packageJson, paths.lock, paths.helper, join(paths.busybox, 'recipe.sha256')]),
    hashPaths([process.execPath]),
  ].join('\0'));
  if (readKey(keyFile) === key) return { status: 'cached' };

  await ctx.run('npm', ['run', 'bundle', '-w', '@byhand/runtime'], { cwd: root });
  if (existsSync(dir)) await setImmutable(ctx, dir, false);
  const tmp = join(stateDir, '.tools-setup');
  rmSync(tmp, { recursive: true, force: true });
  for (const sub of ['bin', 'lib', 'images']) mkdirSync(join(tmp, sub), { recursive: true, mode: 0o755 });
  copyFileSync(process.execPath, join(tmp, 'bin', 'node'));
  copyFileSync(paths.helper, join(tmp, 'bin', 'byhand-init'));
  writeFileSync(join(tmp, 'bin', 'byhand'), WRAPPER);
  for (const file of ['node', 'byhand-init', 'byhand']) chmodSync(join(tmp, 'bin', file), 0o755);
  copyFileSync(paths.bundle, join(tmp, 'lib', 'byhand.mjs'));
  cpSync(paths.busybox, join(tmp, 'images', 'busybox'), { recursive: true, verbatimSymlinks: true });
  writeFileSync(join(tmp, '.byhand-hash'), `${key}\n`);
  // Sandboxes running now keep the tree they mounted; new ones get this one.
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  await setImmutable(ctx, dir, true);
  return { status: 'done', note: `for learner sandboxes, mounted at ${INSIDE}` };
}
