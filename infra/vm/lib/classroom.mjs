/**
 * `npm run test:vm` without a command: a classroom VM from nothing. Two boots of one disk
 * (a qcow2 overlay over the cached image) over one copy of the checkout, both thrown away afterwards:
 *
 *   1. provisioning (infra/provision.sh) with apt, Node.js and nothing else from the host's
 *      offline copies (lib/offline.mjs); the services, the site through Caddy, the runtime's
 *      cgroup v2 tests and the lesson runner (suites/classroom.sh first-boot);
 *   2. after the reboot: the site is back with no manual step, and provisioning again
 *      changes nothing and says so (suites/classroom.sh after-reboot).
 */
import { join } from 'node:path';
import { runCommand } from '../../../scripts/lib/run.mjs';
import { bootAndRun, say, since } from './boot.mjs';
import { capture } from './capture.mjs';
import { imagePaths } from './image.mjs';
import { ensureOfflineRepo, offlinePaths } from './offline.mjs';

const SUITE = 'infra/vm/suites/classroom.sh';
// Where infra/provision.sh installs the app (APP in infra/provision/lib.sh).
const APP_PATH = '/opt/byhand/app';

async function offlineRepo(vm) {
  const start = performance.now();
  say('offline apt repository and Node.js tarball for the VM ...');
  const result = await ensureOfflineRepo({
    repo: vm.repo,
    stateDir: vm.stateDir,
    run: (file, args, opts) => runCommand(file, args, opts),
    capture,
    log: (line) => say(`  ${line}`),
  });
  say(`offline copies ${result === 'cached' ? 'cached' : `built (${since(start)})`}: ${offlinePaths(vm.stateDir).dir}`);
}

/**
 * npm install, native build and site, in the copy as it will be in the VM (/opt/byhand/app):
 * a tmpfs over /opt in a private mount namespace, so the host's /opt is neither seen nor changed.
 */
async function buildAtAppPath(snapshot) {
  const start = performance.now();
  say(`building the copy's npm packages, native helper and site as ${APP_PATH} (on the host) ...`);
  const script = `mount -t tmpfs byhand-vm-opt /opt && mkdir -p ${APP_PATH} && mount --bind "$1" ${APP_PATH} && cd ${APP_PATH} && exec node infra/vm/lib/prepare-app.mjs`;
  await runCommand('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', snapshot]);
  say(`built (${since(start)})`);
}

/** Returns the exit code: 0 when both boots passed. */
export async function classroomTest(vm, { timeout }) {
  await offlineRepo(vm);
  const runDir = join(vm.stateDir, 'vm', `.disk-${process.pid}`);
  const overlay = join(runDir, 'disk.qcow2');
  await runCommand('mkdir', ['-p', runDir], { quiet: true });
  try {
    await runCommand('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', imagePaths(vm.stateDir).disk, overlay], { quiet: true });
    // A copy: provisioning copies the checkout, and the second run must find it unchanged
    // even when someone edits the working tree meanwhile.
    const snapshot = join(runDir, 'repo');
    say(`copying ${vm.repo} to ${snapshot} ...`);
    await runCommand('cp', ['-a', '--reflink=auto', `${vm.repo}/.`, snapshot], { quiet: true });
    await buildAtAppPath(snapshot);
    const withDisk = { ...vm, repo: snapshot, overlay, shares: [{ tag: 'offline', path: offlinePaths(vm.stateDir).dir }] };
    const start = performance.now();
    const first = await bootAndRun(withDisk, { argv: ['bash', SUITE, 'first-boot'], timeout, label: 'boot 1 of 2: provisioning a fresh Debian 12 with cgroup v2 only' });
    if (first !== 0) return first;
    const second = await bootAndRun(withDisk, { argv: ['bash', SUITE, 'after-reboot'], timeout: '15m', label: 'boot 2 of 2: after the reboot' });
    if (second === 0) say(`classroom VM test passed (${since(start)} for both boots)`);
    return second;
  } finally {
    await runCommand('rm', ['-rf', '--one-file-system', '--', runDir], { quiet: true });
  }
}
