#!/usr/bin/env node
/**
 * `npm run test:vm`: boots a Debian 12 VM with cgroup v2 only (QEMU/KVM, no network) over this
 * checkout, shared read-only at /repo.
 *
 *   node infra/vm/run.mjs [--timeout 90m]            the classroom test (lib/classroom.mjs):
 *                                                    provisioning from nothing, a reboot, again
 *   node infra/vm/run.mjs [--timeout 15m] -- cmd...  one boot that runs cmd, e.g.
 *                                                    bash infra/vm/suites/runtime-cgroups-v2.sh
 *   node infra/vm/run.mjs --npm-test                 as `npm test` runs it: the classroom test,
 *                                                    under KVM or emulated; outside CI,
 *                                                    BYHAND_SKIP_VM_TEST=1 skips it, saying so
 *   node infra/vm/run.mjs --keep                     the classroom test, its disk kept afterwards
 *   node infra/vm/run.mjs --disk DIR [--phase checks|after-reboot]
 *                                                    a kept disk booted again: the class's checks
 *                                                    (no provisioning; this checkout's suites) or
 *                                                    the after-reboot phase
 *
 * The disk image is built on first use and cached; see README.md.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runCommand } from '../../scripts/lib/run.mjs';
import { bootAndRun, say, since } from './lib/boot.mjs';
import { classroomTest } from './lib/classroom.mjs';
import { ensureImage, RECIPE_DIR, removeAbandoned } from './lib/image.mjs';
import { checkDuration, skipAsked } from './lib/job.mjs';
import { chooseAccel } from './lib/qemu.mjs';

const REPO = join(RECIPE_DIR, '..', '..');
// Emulation (TCG) boots a few times slower than KVM, and more so on a busy machine.
const BOOT_TIMEOUT_MS = { kvm: 120_000, tcg: 360_000 };

function options() {
  const { values, positionals } = parseArgs({
    options: {
      timeout: { type: 'string' },
      memory: { type: 'string', default: '4G' },
      accel: { type: 'string', default: 'auto' },
      'npm-test': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      disk: { type: 'string' },
      phase: { type: 'string', default: 'checks' },
    },
    allowPositionals: true,
  });
  if (!['auto', 'kvm', 'tcg'].includes(values.accel)) throw new Error(`--accel must be auto, kvm or tcg, not "${values.accel}"`);
  const argv = positionals.length > 0 ? positionals : null;
  if (!['checks', 'after-reboot'].includes(values.phase)) throw new Error(`--phase must be checks or after-reboot, not "${values.phase}"`);
  if (argv && (values.keep || values.disk)) throw new Error('--keep and --disk are for the classroom test, not with a command');
  if (values.timeout) checkDuration(values.timeout);
  return { ...values, argv };
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

async function main() {
  const opts = options();
  if (process.getuid?.() !== 0) {
    say('cannot run the VM tests: run them as root (the disk image is built with mmdebstrap, as root)');
    return 1;
  }
  const { accel, why } = chooseAccel(opts.accel);
  if (opts['npm-test'] && skipAsked(process.env, say)) {
    say(`skipped the classroom VM test (BYHAND_SKIP_VM_TEST=1; ${accel === 'kvm' ? 'several minutes under KVM' : `about 25 minutes here, emulated: ${why}`}); \`npm run test:vm\` runs it`);
    return 0;
  }
  // Per boot. Emulated, provisioning alone takes about 20 minutes and the lesson runner more.
  const timeout = opts.timeout ?? (opts.argv ? '20m' : accel === 'kvm' ? '40m' : '90m');
  const stateDir = process.env.BYHAND_STATE_DIR || '/var/lib/byhand';
  const vmDir = join(stateDir, 'vm');
  mkdirSync(vmDir, { recursive: true, mode: 0o755 });
  await removeAbandoned(vmDir, (line) => say(line));
  await buildImage(stateDir);
  const vm = { repo: REPO, stateDir, accel, why, bootTimeoutMs: BOOT_TIMEOUT_MS[accel], memory: opts.memory, overlay: null, shares: [] };
  if (opts.argv) return bootAndRun(vm, { argv: opts.argv, timeout });
  return classroomTest(vm, { timeout, keep: opts.keep, disk: opts.disk, phase: opts.phase });
}

main().then(
  (code) => { process.exitCode = code; },
  (err) => {
    say(`FAILED: ${err.message}`);
    for (const line of err.tail ?? []) process.stdout.write(`    | ${line}\n`);
    process.exitCode = 1;
  },
);
