/**
 * One boot of the test VM that runs one command: writes the job, boots QEMU, streams what the
 * command prints, and says why when there is no exit code.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeTree } from '../../../scripts/lib/lab-image.mjs';
import { imagePaths, readRecipe } from './image.mjs';
import { checkDuration, readExitCode, writeJob } from './job.mjs';
import { bootVm, qemuArgs } from './qemu.mjs';

// After the command's own limit: time for the guest to report it and power off.
export const GRACE_MS = 30_000;
const SUMMARY_LINE = /^\s*(?:ℹ|#) (?:tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) \d/;

export const say = (line) => process.stdout.write(`[vm] ${line}\n`);
const oneLine = (text) => {
  const flat = text.replace(/\s*\n\s*/g, '; ');
  return flat.length > 160 ? `${flat.slice(0, 160)} …` : flat;
};
export const since = (start) => `${Math.round((performance.now() - start) / 1000)} s`;

const forwardsText = (forwards) => forwards.map(({ hostPort, guestPort }) => `127.0.0.1:${hostPort} → guest port ${guestPort}`).join(', ');

/** Why there is no exit code, with the end of the guest's console to show what happened. */
function explainNoResult({ timedOut, interrupted, exit, stderr }, consoleLog, { timeout, bootTimeoutMs }) {
  const why = interrupted ? `the harness was interrupted (${interrupted})`
    : timedOut === 'boot' ? `the guest did not come up within ${bootTimeoutMs / 1000} s`
      : timedOut === 'run' ? `the command did not finish within --timeout ${timeout} (plus ${GRACE_MS / 1000} s)`
        : `QEMU stopped (${exit}) before the command reported an exit code`;
  say(`FAILED: ${why}; QEMU was stopped`);
  if (stderr.trim()) say(`QEMU said: ${stderr.trim()}`);
  if (existsSync(consoleLog)) {
    const tail = readFileSync(consoleLog, 'utf8').trimEnd().split('\n').slice(-40);
    say(`last ${tail.length} lines of the guest's console (${consoleLog}):`);
    for (const line of tail) process.stdout.write(`    | ${line.replace(/\r$/, '')}\n`);
  }
}

/**
 * Boots, runs argv in /repo and powers off. Returns the command's exit code, or 1 (after
 * saying why) when it never reported one. vm: {repo, stateDir, accel, why, bootTimeoutMs,
 * memory, overlay, shares, disks, repoDisk, forwards}; run: {argv, timeout, label, watch}, where
 * watch(line, {jobDir}) sees each line the command prints, to act on the host while it runs.
 */
export async function bootAndRun(vm, { argv, timeout, label = 'booting Debian with cgroup v2 only', watch }) {
  const jobDir = join(vm.stateDir, 'vm', `.run-${process.pid}`);
  const consoleLog = join(vm.stateDir, 'vm', 'last-console.log');
  try {
    writeJob(jobDir, { argv, timeout, accel: vm.accel });
    const args = qemuArgs({
      image: imagePaths(vm.stateDir),
      cmdline: readRecipe().cmdline,
      repo: vm.repoDisk ? null : vm.repo,
      disks: [...(vm.repoDisk ? [vm.repoDisk] : []), ...(vm.disks ?? [])],
      forwards: vm.forwards ?? [],
      jobDir,
      consoleLog: join(jobDir, 'console.log'),
      accel: vm.accel,
      memory: vm.memory,
      overlay: vm.overlay,
      shares: vm.shares,
    });
    const start = performance.now();
    say(`${label} (${vm.why}; ${vm.memory}, 2 CPUs, ${vm.forwards?.length ? `no network but ${forwardsText(vm.forwards)}` : 'no network'}; ${vm.repo} read-only at /repo${vm.repoDisk ? ' from a disk' : ''}) ...`);
    const summary = [];
    const result = await bootVm({
      args,
      bootTimeoutMs: vm.bootTimeoutMs,
      runTimeoutMs: checkDuration(timeout) + GRACE_MS,
      onReady: (line) => {
        say(`booted in ${since(start)}: ${line.replace(/^\[guest\] ready: /, '')}`);
        say(`running: ${oneLine(argv.join(' '))} (time limit ${timeout})`);
      },
      onLine: (line) => {
        if (SUMMARY_LINE.test(line)) summary.push(line.trim());
        if (!line.startsWith('[guest] ready')) process.stdout.write(`    ${line}\n`);
        watch?.(line, { jobDir });
      },
    });
    copyFileSync(join(jobDir, 'console.log'), consoleLog);
    const code = readExitCode(jobDir);
    if (code === null) {
      explainNoResult(result, consoleLog, { timeout, bootTimeoutMs: vm.bootTimeoutMs });
      return 1;
    }
    if (summary.length > 0) say(`test summary: ${summary.join(', ')}`);
    say(code === 0 ? `passed (${since(start)} from boot to power-off)` : `FAILED: the command exited ${code} (guest console: ${consoleLog})`);
    return code === 0 ? 0 : 1;
  } finally {
    await removeTree(jobDir);
  }
}
