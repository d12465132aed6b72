/**
 * The images `byhand run` knows after set-up: `busybox` (a rootfs made from Debian's static
 * /bin/busybox: the binary, one symlink per applet, /etc/passwd and /etc/group) and `lab` (the
 * lab image, referenced where it is, not copied). Writes the same image.json as the runtime's
 * image store (packages/runtime/src/images/store.ts). Plain Node: it runs before npm install.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from './hash.mjs';

const BUSYBOX = '/bin/busybox';
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
// Bump when the recipe below changes, so the cached image is rebuilt.
const BUSYBOX_RECIPE = 'busybox-image-1';

function imageJson(name, cmd, extra = {}) {
  return `${JSON.stringify({ name, created: new Date().toISOString(), ...extra, config: { cmd, env: [PATH_ENV], workdir: '/' } }, null, 2)}\n`;
}

function buildBusyboxRootfs(rootfs) {
  for (const dir of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'run', 'root', 'home', 'var', 'data']) {
    mkdirSync(join(rootfs, dir), { recursive: true, mode: 0o755 });
  }
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  copyFileSync(BUSYBOX, join(rootfs, 'bin', 'busybox'));
  chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => /^[a-z0-9_.[-]+$/.test(a));
  for (const applet of applets) {
    if (applet !== 'busybox') symlinkSync('busybox', join(rootfs, 'bin', applet));
  }
  writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
}

function busyboxKey() {
  return sha256(Buffer.concat([Buffer.from(`${BUSYBOX_RECIPE}\0`), readFileSync(BUSYBOX)]));
}

/** Set-up step: imports busybox and lab into `${stateDir}/images`, each only when it changed. */
export function importImagesStep(ctx, { stateDir, labRootfs }) {
  const images = join(stateDir, 'images');
  const done = [];
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing: install Debian's busybox-static (apt-get install busybox-static)`);
  const dir = join(images, 'busybox');
  const key = busyboxKey();
  const keyFile = join(dir, 'recipe.sha256');
  if (!existsSync(keyFile) || readFileSync(keyFile, 'utf8').trim() !== key) {
    const tmp = join(images, '.busybox-setup');
    rmSync(tmp, { recursive: true, force: true });
    buildBusyboxRootfs(join(tmp, 'rootfs'));
    writeFileSync(join(tmp, 'image.json'), imageJson('busybox', ['sh']));
    writeFileSync(join(tmp, 'recipe.sha256'), `${key}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    done.push('busybox');
  }
  const labJson = join(images, 'lab', 'image.json');
  if (!existsSync(labJson)) {
    if (!existsSync(labRootfs)) throw new Error(`the lab image ${labRootfs} does not exist: the lab image step builds it`);
    mkdirSync(join(images, 'lab'), { recursive: true });
    writeFileSync(labJson, imageJson('lab', ['bash', '-l'], { rootfs: labRootfs }));
    done.push('lab');
  }
  if (done.length === 0) return { status: 'cached' };
  return { status: 'done', note: `imported ${done.join(', ')}` };
}
