/**
 * Processes as the host sees them in /proc. A pid alone can be reused after a crash, so a
 * process is named by its pid and its start time (field 22 of /proc/PID/stat).
 */
import { readFileSync } from 'node:fs';

export interface ProcessRef {
  pid: number;
  /** Start time in clock ticks since boot, as /proc/PID/stat has it. */
  start: number;
}

export function startTimeOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return null;
    return Number(fields[19]);
  } catch {
    return null;
  }
}

export function processRef(pid: number): ProcessRef | null {
  const start = startTimeOf(pid);
  return start === null ? null : { pid, start };
}

/** True while the very process named (not a later one with the same pid) is alive. */
export function isAlive(ref: ProcessRef | null | undefined): boolean {
  return !!ref && ref.pid > 0 && startTimeOf(ref.pid) === ref.start;
}

/** Sends a signal if the process is still the one named; returns whether it was sent. */
export function signalProcess(ref: ProcessRef | null | undefined, signal: NodeJS.Signals | number): boolean {
  if (!isAlive(ref)) return false;
  try {
    process.kill(ref!.pid, signal);
    return true;
  } catch {
    return false;
  }
}

export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until cond() holds or ms pass; returns whether it held. */
export async function waitUntil(cond: () => boolean, ms: number, every = 20): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (cond()) return true;
    if (Date.now() > end) return false;
    await sleep(every);
  }
}
