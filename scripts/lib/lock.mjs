/**
 * One set-up at a time per state directory. Two at once (an `npm start` beside an `npm test`)
 * would rebuild the same tools, images and web build over each other and leave them broken.
 * The lock is a file holding its owner's pid and start time, so a lock left by a killed set-up
 * is recognised as stale and taken over.
 */
import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';

/** A process's start time (clock ticks since boot), or null when it is gone. */
export function startTime(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** The holder recorded in a lock file, when that process still runs. */
function liveHolder(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const [pid, start] = text.trim().split(' ');
  return pid && start && startTime(Number(pid)) === start ? Number(pid) : null;
}

function tryTake(file) {
  try {
    const fd = openSync(file, 'wx', 0o644);
    writeSync(fd, `${process.pid} ${startTime(process.pid)}\n`);
    closeSync(fd);
    return true;
  } catch (err) {
    if (err.code !== 'EEXIST') throw err;
    return false;
  }
}

/**
 * Runs `fn` holding `<stateDir>/.setup.lock`; waits (saying so once) while another live set-up
 * holds it, up to `timeoutMs`.
 */
export async function withSetupLock(stateDir, fn, { timeoutMs = 30 * 60_000, pollMs = 500, log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  mkdirSync(stateDir, { recursive: true });
  const file = join(stateDir, '.setup.lock');
  const end = Date.now() + timeoutMs;
  let said = false;
  while (!tryTake(file)) {
    const holder = liveHolder(file);
    if (holder === null) {
      rmSync(file, { force: true }); // left by a set-up that was killed
      continue;
    }
    if (Date.now() > end) {
      throw new Error(`another set-up (pid ${holder}) has held ${file} for too long: wait for it, or stop it`);
    }
    if (!said) log(`[setup] waiting for another set-up (pid ${holder}) to finish…`);
    said = true;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}
