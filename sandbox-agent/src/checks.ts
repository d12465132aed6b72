/**
 * Lesson checks: content/lessons/<lesson>/checks/<id>.sh run inside the learner's sandbox.
 * The browser only names a check; the script comes from the course, never from the client.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentMessage } from '@byhand/protocol';
import type { Invocation } from '@byhand/runtime';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import type { Progress } from './progress.js';
import { execIn, HELPER_ENV } from './sandbox.js';
import type { Session } from './session.js';

export const CHECK_TIMEOUT_MS = 10_000;
export const CHECK_OUTPUT_LIMIT = 4096;

export interface CheckResult {
  ok: boolean;
  message: string;
}

/** The script of check `id` of `lesson`, or null when the lesson has no such check. */
export function checkScript(lessonsDir: string, lesson: string, id: string): string | null {
  const dir = join(lessonsDir, lesson, 'checks');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return null;
  }
  // Matched against the folder's listing, so no id can name a path outside it.
  const name = names.find((n) => n === `${id}.sh`);
  return name ? readFileSync(join(dir, name), 'utf8') : null;
}

/** Collects at most `limit` bytes and notes whether more came. */
function cappedCollector(limit: number) {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  return {
    add(chunk: Buffer) {
      const room = limit - size;
      if (chunk.length > room) truncated = true;
      if (room <= 0) return;
      chunks.push(chunk.subarray(0, room));
      size += Math.min(room, chunk.length);
    },
    text: () => Buffer.concat(chunks).toString('utf8').trim() + (truncated ? '\n[output cut at 4 KiB]' : ''),
  };
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return []; // it has exited
  }
}

/** SIGKILLs `pid` and every process below it, parents first so none can start another. */
function killTree(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGSTOP');
  } catch {
    return; // already gone
  }
  for (const child of childrenOf(pid)) killTree(child);
  process.kill(pid, 'SIGKILL');
}

/**
 * Runs `script` with bash inside the sandbox whose pid 1 is `initPid` (through the runtime's
 * exec mode, in the session's cgroup): exit 0 passes; its output (stdout and stderr, at most
 * 4 KiB) is the message.
 */
export function runCheck(initPid: number, cgroupProcs: string[], script: string, timeoutMs = CHECK_TIMEOUT_MS): Promise<CheckResult> {
  return new Promise((resolve) => {
    let invocation: Invocation;
    try {
      invocation = execIn(initPid, cgroupProcs, ['/bin/bash', '-s']);
    } catch (err) {
      resolve({ ok: false, message: `the check could not start: ${(err as Error).message}` });
      return;
    }
    const { file, args } = invocation;
    const child = spawn(file, args, {
      env: HELPER_ENV,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const output = cappedCollector(CHECK_OUTPUT_LIMIT);
    child.stdout.on('data', output.add);
    child.stderr.on('data', output.add);
    // A check that exits without reading its script closes stdin early: not an error.
    child.stdin.on('error', () => {});
    child.stdin.end(script);
    const timer = setTimeout(() => {
      // Killing only the helper would leave the script running inside the sandbox.
      killTree(child.pid);
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ ok: false, message: `the check did not finish within ${timeoutMs / 1000} s` });
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, message: `the check could not start: ${err.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, message: output.text() });
    });
  });
}

/** Answers check requests: one check at a time per session, so a client cannot pile them up. */
export class Checks {
  private readonly running = new Set<string>();

  constructor(
    private readonly lessonsDir: string,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    private readonly progress: Progress,
  ) {}

  async answer(session: Session, id: string): Promise<AgentMessage> {
    const script = checkScript(this.lessonsDir, session.lesson, id);
    if (script === null) {
      return { type: 'error', code: 'unknown-check', message: `lesson ${session.lesson} has no check ${JSON.stringify(id)}` };
    }
    if (this.running.has(session.id)) {
      return { type: 'error', code: 'check-busy', message: 'another check is still running in this sandbox; wait for its answer' };
    }
    this.running.add(session.id);
    try {
      const init = await session.initPid();
      if (init === null) return { type: 'error', code: 'no-sandbox', message: 'the sandbox is not running; restart the terminal' };
      const result = await runCheck(init, session.cgroupProcs, script);
      this.log('check', { id: session.id, check: id, ok: result.ok });
      if (result.ok) {
        this.metrics.checksPassed++;
        this.progress.record(session.learner, session.lesson, id);
      } else this.metrics.checksFailed++;
      return { type: 'check', id, ...result };
    } finally {
      this.running.delete(session.id);
    }
  }
}
