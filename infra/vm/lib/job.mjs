/**
 * One run's job directory, shared with the guest as /job: the host's node binary, the command
 * (a bash script), its time limit, and, once the guest is done, the command's exit code.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the command sees: a writable state directory on the VM's own disk, not in /repo. */
const GUEST_ENV = {
  BYHAND_STATE_DIR: '/tmp/byhand',
  HOME: '/root',
  LANG: 'C.UTF-8',
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
};

/**
 * Emulated (TCG), V8's WebAssembly guard pages fault where they should not: Node died of
 * SIGSEGV, or tsx's lexer threw "memory access out of bounds". Explicit bounds checks instead.
 */
const EMULATED_ENV = { NODE_OPTIONS: '--disable-wasm-trap-handler' };

export function guestEnv(accel) {
  return accel === 'tcg' ? { ...GUEST_ENV, ...EMULATED_ENV } : GUEST_ENV;
}

export function shellQuote(word) {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

export function commandScript(argv, env = GUEST_ENV) {
  const exports = Object.entries(env).map(([name, value]) => `export ${name}=${shellQuote(value)}`);
  return ['# Written by infra/vm/run.mjs; run by the guest in /repo (read-only).', ...exports, 'cd /repo', argv.map(shellQuote).join(' '), ''].join('\n');
}

/** Whether npm test leaves the VM out: a developer may ask to (BYHAND_SKIP_VM_TEST=1), CI may not. */
export function skipAsked(env, say) {
  if (env.BYHAND_SKIP_VM_TEST !== '1') return false;
  if (env.CI !== 'true') return true;
  say('BYHAND_SKIP_VM_TEST=1 is ignored in CI (CI=true): the classroom VM test runs');
  return false;
}

/** timeout(1)'s duration: "15m", "90s", "1h". */
export function checkDuration(text) {
  const match = /^(\d+)([smh])$/.exec(text);
  if (!match) throw new Error(`--timeout "${text}" must be a number followed by s, m or h, e.g. 15m`);
  return Number(match[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[match[2]];
}

export function writeJob(dir, { argv, timeout, accel = 'kvm', node = process.execPath }) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // A copy, not a hard link: the guest can write to /job, and must not reach the host's node.
  copyFileSync(node, join(dir, 'node'));
  writeFileSync(join(dir, 'command'), commandScript(argv, guestEnv(accel)));
  writeFileSync(join(dir, 'timeout'), `${timeout}\n`);
}

/** The guest's exit code, or null when it never got to write one. */
export function readExitCode(dir) {
  try {
    const code = Number(readFileSync(join(dir, 'exit-code'), 'utf8').trim());
    return Number.isInteger(code) ? code : null;
  } catch {
    return null;
  }
}
