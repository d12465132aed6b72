#!/usr/bin/env node
/**
 * `npm run test:vm`: boots a Debian 12 VM with cgroup v2 only (QEMU/KVM, no network) over this
 * checkout, shared read-only at /repo, runs a command in it and exits with the command's code.
 *
 *   node infra/vm/run.mjs [--timeout 15m] [-- command args...]
 *
 * Without a command it runs suites/runtime-cgroups-v2.sh (the runtime's cgroup and sandbox
 * tests). The disk image is built on first use and cached; see README.md.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runCommand } from '../../scripts/lib/run.mjs';
import { removeTree } from '../../scripts/lib/lab-image.mjs';
import { ensureImage, imagePaths, readRecipe, RECIPE_DIR, removeAbandoned } from './lib/image.mjs';
import { checkDuration, readExitCode, writeJob } from './lib/job.mjs';
import { bootVm, chooseAccel, qemuArgs } from './lib/qemu.mjs';

const REPO = join(RECIPE_DIR, '..', '..');
const DEFAULT_COMMAND = ['bash', 'infra/vm/suites/runtime-cgroups-v2.sh'];
// Emulation (TCG) boots a few times slower than KVM, and more so on a busy machine.
const BOOT_TIMEOUT_MS = { kvm: 120_000, tcg: 360_000 };
// After the command's own limit: time for the guest to report it and power off.
const GRACE_MS = 30_000;
const SUMMARY_LINE = /^\s*(?:ℹ|#) (?:tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) \d/;

const say = (line) => process.stdout.write(`[vm] ${line}\n`);
const oneLine = (text) => {
  const flat = text.replace(/\s*\n\s*/g, '; ');
  return flat.length > 160 ? `${flat.slice(0, 160)} …` : flat;
};
const since = (start) => `${Math.round((performance.now() - start) / 1000)} s`;

function options() {
  const { values, positionals } = parseArgs({
    options: {
      timeout: { type: 'string', default: '20m' },
      memory: { type: 'string', default: '4G' },
      accel: { type: 'string', default: 'auto' },
    },
    allowPositionals: true,
  });
  if (!['auto', 'kvm', 'tcg'].includes(values.accel)) throw new Error(`--accel must be auto, kvm or tcg, not "${values.accel}"`);
  return { ...values, argv: positionals.length > 0 ? positionals : DEFAULT_COMMAND };
}

async function buildImage(stateDir) {
  const start = performance.now();
  process.stdout.write('[vm] disk image ...');
  let open = true;
  const breakLine = () => {
    if (open) process.stdout.write('\n');
    open = false;
  };
  const result = await ensureImage({
    stateDir,
    log: (line) => { breakLine(); say(`  ${line}`); },
    run: (file, args, opts) => { breakLine(); return runCommand(file, args, opts); },
  });
  const outcome = result === 'cached' ? 'cached' : `done (${since(start)})`;
  if (open) process.stdout.write(` ${outcome}\n`);
  else say(`disk image ... ${outcome}`);
}

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

async function main() {
  const opts = options();
  const runTimeoutMs = checkDuration(opts.timeout) + GRACE_MS;
  if (process.getuid?.() !== 0) {
    say('cannot run the VM tests: run them as root (the disk image is built with mmdebstrap, as root)');
    return 1;
  }
  const { accel, why } = chooseAccel(opts.accel);
  const bootTimeoutMs = BOOT_TIMEOUT_MS[accel];
  const stateDir = process.env.BYHAND_STATE_DIR || '/var/lib/byhand';
  const vmDir = join(stateDir, 'vm');
  mkdirSync(vmDir, { recursive: true, mode: 0o755 });
  await removeAbandoned(vmDir, (line) => say(line));
  await buildImage(stateDir);

  const jobDir = join(vmDir, `.run-${process.pid}`);
  const consoleLog = join(vmDir, 'last-console.log');
  try {
    writeJob(jobDir, { argv: opts.argv, timeout: opts.timeout });
    const image = imagePaths(stateDir);
    const { cmdline } = readRecipe();
    const args = qemuArgs({ image, cmdline, repo: REPO, jobDir, consoleLog: join(jobDir, 'console.log'), accel, memory: opts.memory });
    const start = performance.now();
    say(`booting Debian with cgroup v2 only (${why}; ${opts.memory}, 2 CPUs, no network; ${REPO} read-only at /repo) ...`);
    const summary = [];
    const result = await bootVm({
      args,
      bootTimeoutMs,
      runTimeoutMs,
      onReady: (line) => {
        say(`booted in ${since(start)}: ${line.replace(/^\[guest\] ready: /, '')}`);
        say(`running: ${oneLine(opts.argv.join(' '))} (time limit ${opts.timeout})`);
      },
      onLine: (line) => {
        if (SUMMARY_LINE.test(line)) summary.push(line.trim());
        if (!line.startsWith('[guest] ready')) process.stdout.write(`    ${line}\n`);
      },
    });
    copyFileSync(join(jobDir, 'console.log'), consoleLog);
    const code = readExitCode(jobDir);
    if (code === null) {
      explainNoResult(result, consoleLog, { timeout: opts.timeout, bootTimeoutMs });
      return 1;
    }
    if (summary.length > 0) say(`test summary: ${summary.join(', ')}`);
    say(code === 0 ? `passed (${since(start)} from boot to power-off)` : `FAILED: the command exited ${code} (guest console: ${consoleLog})`);
    return code === 0 ? 0 : 1;
  } finally {
    await removeTree(jobDir);
  }
}

main().then(
  (code) => { process.exitCode = code; },
  (err) => {
    say(`FAILED: ${err.message}`);
    for (const line of err.tail ?? []) process.stdout.write(`    | ${line}\n`);
    process.exitCode = 1;
  },
);
