/**
 * `npm run test:vm` without a command: a classroom VM from nothing. Two boots of one disk
 * (a qcow2 overlay over the cached image) over one copy of the checkout, both thrown away afterwards:
 *
 *   1. provisioning (infra/provision.sh) with apt, Node.js and nothing else from the host's
 *      offline copies (lib/offline.mjs); the services, the site through Caddy, one e2e test in
 *      the host's Chromium against the VM's site (through a port QEMU forwards), the runtime's
 *      cgroup v2 tests and the lesson runner (suites/classroom.sh first-boot);
 *   2. after the reboot: the site is back with no manual step, and provisioning again
 *      changes nothing and says so (suites/classroom.sh after-reboot).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runCommand } from '../../../scripts/lib/run.mjs';
import { bootAndRun, say, since } from './boot.mjs';
import { capture } from './capture.mjs';
import { dirDisk } from './dir-disk.mjs';
import { imagePaths } from './image.mjs';
import { ensureOfflineRepo, offlinePaths } from './offline.mjs';

const SUITES_DIR = 'infra/vm/suites';
const SUITE = `${SUITES_DIR}/classroom.sh`;
// Where infra/provision.sh installs the app (APP in infra/provision/lib.sh).
const APP_PATH = '/opt/byhand/app';
// What the guest prints when its site is up and it waits for the host's browser (classroom.sh).
const BROWSER_CUE = /^== waiting for the browser test against (http:\/\/127\.0\.0\.1:\d+)$/;
// The learner's whole path: map, lesson, a step run in the terminal, a check, a reload.
const E2E_SPEC = 'tests/lesson-flow.spec.ts';

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

/** A free loopback port for QEMU to forward to the guest's port 80. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The directories the guest gets as disks: much faster than 9p for many small files. */
async function makeDisks(runDir, snapshot, offlineDir) {
  const start = performance.now();
  const repoDisk = join(runDir, 'repo.img');
  const offlineDisk = join(runDir, 'offline.img');
  const sizes = [await dirDisk(snapshot, repoDisk, 'byhand-repo'), await dirDisk(offlineDir, offlineDisk, 'byhand-offline')];
  say(`the checkout and the offline copies as read-only disks (${sizes.map((b) => `${Math.round(b / 2 ** 20)} MiB`).join(', ')}, ${since(start)})`);
  return { repoDisk, disks: [offlineDisk] };
}

/**
 * When the guest says its site is up: the e2e spec in the host's Chromium against the forwarded
 * port, its exit code left in the job directory for the guest, which waits for it.
 */
function browserTest(repo) {
  return (line, { jobDir }) => {
    const cue = BROWSER_CUE.exec(line);
    if (!cue) return;
    say(`browser test (${E2E_SPEC}, the host's Chromium) against the VM's site at ${cue[1]} ...`);
    const env = { ...process.env, BYHAND_E2E_BASE_URL: cue[1] };
    runCommand('npx', ['playwright', 'test', E2E_SPEC], { cwd: join(repo, 'e2e'), env }).then(
      () => 0,
      (err) => { say(`browser test FAILED: ${err.message}`); return 1; },
    ).then((code) => writeFileSync(join(jobDir, 'e2e-exit'), `${code}\n`));
  };
}

/**
 * Everything both boots use, in runDir: a qcow2 overlay over the cached image, a copy of the
 * checkout built as it will be in the VM, the read-only disks, the forwarded port. Written to
 * runDir/run.json so that a kept disk can be booted again (--disk).
 */
async function prepareRun(vm, runDir) {
  await runCommand('mkdir', ['-p', runDir], { quiet: true });
  const overlay = join(runDir, 'disk.qcow2');
  await runCommand('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', imagePaths(vm.stateDir).disk, overlay], { quiet: true });
  // A copy: provisioning copies the checkout, and the second run must find it unchanged
  // even when someone edits the working tree meanwhile.
  const snapshot = join(runDir, 'repo');
  say(`copying ${vm.repo} to ${snapshot} ...`);
  await runCommand('cp', ['-a', '--reflink=auto', `${vm.repo}/.`, snapshot], { quiet: true });
  await buildAtAppPath(snapshot);
  const disks = await makeDisks(runDir, snapshot, offlinePaths(vm.stateDir).dir);
  // The address learners would type: the host's side of the forward (as behind a cloud's NAT).
  const run = { overlay, snapshot, ...disks, port: await freePort() };
  writeFileSync(join(runDir, 'run.json'), `${JSON.stringify(run, null, 2)}\n`);
  return run;
}

function readRun(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
  } catch (err) {
    throw new Error(`--disk ${dir} is not a disk kept by \`npm run test:vm -- --keep\` (${err.message})`);
  }
}

/**
 * The checks phase runs this checkout's suites on a kept disk, so a fixed check can be tried
 * without provisioning again: a copy of the kept checkout with today's suites, on a disk of its
 * own. The kept checkout stays as it was: the after-reboot phase's second provisioning must
 * find /repo as the first one left it.
 */
async function withTodaysSuites(repo, dir, run) {
  const copy = join(dir, 'checks-repo');
  const image = join(dir, 'checks-repo.img');
  await runCommand('rm', ['-rf', '--', copy], { quiet: true });
  await runCommand('cp', ['-a', '--reflink=auto', `${run.snapshot}/.`, copy], { quiet: true });
  await runCommand('cp', ['-a', '--', `${join(repo, SUITES_DIR)}/.`, join(copy, SUITES_DIR)], { quiet: true });
  await dirDisk(copy, image, 'byhand-repo');
  await runCommand('rm', ['-rf', '--', copy], { quiet: true });
  say(`the kept disk's checks come from this checkout's ${SUITES_DIR}`);
  return { ...run, repoDisk: image };
}

/** One boot of the run's disk; phase is a phase of suites/classroom.sh. */
function boot(vm, run, { phase, timeout, label }) {
  const origin = `http://127.0.0.1:${run.port}`;
  const withDisk = { ...vm, repo: run.snapshot, overlay: run.overlay, repoDisk: run.repoDisk, disks: run.disks, forwards: [{ hostPort: run.port, guestPort: 80 }] };
  const watch = phase === 'after-reboot' ? undefined : browserTest(vm.repo);
  return bootAndRun(withDisk, { argv: ['bash', SUITE, phase, origin], timeout, label, watch });
}

async function bothBoots(vm, run, timeout) {
  const start = performance.now();
  const first = await boot(vm, run, { phase: 'first-boot', timeout, label: 'boot 1 of 2: provisioning a fresh Debian 12 with cgroup v2 only' });
  if (first !== 0) return first;
  const second = await boot(vm, run, { phase: 'after-reboot', timeout: '15m', label: 'boot 2 of 2: after the reboot' });
  if (second === 0) say(`classroom VM test passed (${since(start)} for both boots)`);
  return second;
}

/**
 * Returns the exit code: 0 when both boots passed. keep: leave the disk for --disk DIR --phase
 * PHASE, which boots a kept disk again (to rerun the checks without provisioning again).
 */
export async function classroomTest(vm, { timeout, keep = false, disk = null, phase = 'checks' }) {
  if (disk) {
    const kept = readRun(disk);
    const run = phase === 'checks' ? await withTodaysSuites(vm.repo, disk, kept) : kept;
    return boot(vm, run, { phase, timeout, label: `booting the kept disk ${disk} (${phase})` });
  }
  await offlineRepo(vm);
  const runDir = join(vm.stateDir, 'vm', keep ? `kept-${process.pid}` : `.disk-${process.pid}`);
  try {
    return await bothBoots(vm, await prepareRun(vm, runDir), timeout);
  } finally {
    if (keep) say(`kept ${runDir}: boot it again with \`node infra/vm/run.mjs --disk ${runDir} --phase checks\` (or after-reboot); rm -rf it when done`);
    else await runCommand('rm', ['-rf', '--one-file-system', '--', runDir], { quiet: true });
  }
}
