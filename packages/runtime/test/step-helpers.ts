/** Drives `byhand run --step` the way a learner does: one answer (a line on stdin) per pause. */
import type { ChildProcess } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import type { Cli } from './cli-helpers.js';

const PROMPT = '[Enter] run it';

export interface Pause {
  index: number;
  text: string;
  /** The container's first process on the host, once the clone has happened. */
  containerPid: number | null;
  /** The runtime helper's process, once it runs. */
  helperPid: number | null;
}

export class SteppedRun {
  readonly child: ChildProcess;
  stderr = '';
  stdout = '';
  code: number | null = null;
  private exited = false;
  private answered = 0;
  private wake: (() => void) | null = null;

  constructor(cli: Cli, args: string[]) {
    this.child = cli.spawn(['run', '--step', ...args]);
    this.child.stderr!.on('data', (d: Buffer) => { this.stderr += d.toString(); this.wake?.(); });
    this.child.stdout!.on('data', (d: Buffer) => { this.stdout += d.toString(); });
    this.child.on('close', (code) => { this.code = code; this.exited = true; this.wake?.(); });
  }

  /** Resolves as soon as cond() holds (checked on each output), false after ms. */
  private until(cond: () => boolean, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.wake = null; resolve(false); }, ms);
      this.wake = () => {
        if (!cond()) return;
        clearTimeout(timer);
        this.wake = null;
        resolve(true);
      };
      this.wake();
    });
  }

  private prompts(): number {
    return this.stderr.split(PROMPT).length - 1;
  }

  /** The next pause, or null once the run has ended. */
  async next(): Promise<Pause | null> {
    const ok = await this.until(() => this.exited || this.prompts() > this.answered, 20_000);
    if (!ok) throw new Error(`byhand run --step neither paused nor ended within 20 s; stderr so far:\n${this.stderr}`);
    if (this.prompts() <= this.answered) return null;
    const steps = stepLines(this.stderr);
    const last = steps[steps.length - 1]!;
    const hint = this.stderr.slice(this.stderr.lastIndexOf('why:'));
    const pid = (re: RegExp) => Number(re.exec(hint)?.[1]) || null;
    return { index: last.index, text: last.text, containerPid: pid(/container pid (\d+)/), helperPid: pid(/helper pid (\d+)/) };
  }

  answer(line: '' | 'c' | 'q'): void {
    this.answered++;
    this.child.stdin!.write(`${line}\n`);
  }

  async end(): Promise<number | null> {
    if (!(await this.until(() => this.exited, 20_000))) throw new Error(`byhand run --step did not end; stderr:\n${this.stderr}`);
    return this.code;
  }
}

/** "[12] mount -t proc …" lines: each step as it was announced. */
export function stepLines(stderr: string): Array<{ index: number; text: string }> {
  return [...stderr.matchAll(/^\[\s*(\d+)\] (.*)$/gm)].map((m) => ({ index: Number(m[1]), text: m[2]! }));
}

/** --explain's lines up to the exec, without their time and result. */
export function explainedSteps(stderr: string): string[] {
  const steps: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = /^\[\s*[\d.]+ ms\] (.*?)(?:   # .*| = .*)?$/.exec(line);
    if (!m) continue;
    steps.push(m[1]!);
    if (m[1]!.startsWith('execve(')) break;
  }
  return steps;
}

/** Container ids, hostnames and pids differ between two runs; the steps must not. */
export function normalize(text: string): string {
  return text.replace(/[0-9a-f]{64}/g, 'ID').replace(/\b[0-9a-f]{12}\b/g, 'HOST').replace(/\d+/g, 'N');
}

/**
 * The mounts at / in that process's mount namespace, as mountinfo shows them (right after
 * pivot_root(".", ".") two: the new root and the old one stacked on it until it is unmounted).
 */
export function rootMounts(pid: number): string {
  return readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n').filter((l) => l.split(' ')[4] === '/').join('\n');
}

/** The process's network namespace (net:[N]), or null once it is gone. */
export function netnsOf(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return null;
  }
}
