/**
 * The CLI's StepController: prints each step with why it is needed and where to look at the
 * half-built container, then reads the learner's key from stdin. On a terminal a single key
 * answers (Enter, c, q); from a pipe, one line each (empty, "c" or "q").
 */
import { spawnSync } from 'node:child_process';
import { readSync } from 'node:fs';
import { isatty } from 'node:tty';
import type { TraceEvent } from '../explain.js';
import type { StepAnnouncement, StepController, StepDecision } from './step.js';

const NAMESPACES = ['user', 'mnt', 'pid', 'uts', 'ipc', 'net', 'cgroup'];
const PROMPT = '     [Enter] run it   [c] continue to the end   [q] abort\n';
const pause = new Int32Array(new SharedArrayBuffer(4));

/** One byte from fd, blocking (also when fd was left non-blocking); null at end of file. */
function readByte(fd: number): string | null {
  const buf = Buffer.alloc(1);
  for (;;) {
    try {
      return readSync(fd, buf, 0, 1, null) === 0 ? null : buf.toString('latin1');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 20);
    }
  }
}

function decisionOf(key: string | null): StepDecision | null {
  if (key === null || key === 'q' || key === 'Q' || key === '\x03' || key === '\x04') return 'abort';
  if (key === '' || key === '\r' || key === '\n') return 'next';
  if (key === 'c' || key === 'C') return 'continue';
  return null;
}

function resultText(event: TraceEvent): string {
  const result = event.result ?? 'ok';
  return typeof result === 'string' ? result : JSON.stringify(result);
}

export class TerminalStepper implements StepController {
  private readonly tty: boolean;
  private savedMode: string | null = null;
  private shownNamespaces = false;

  constructor(private readonly write: (text: string) => void, private readonly fd = 0) {
    this.tty = isatty(fd);
  }

  show(step: StepAnnouncement): void {
    if (step.index === 1) this.write('byhand: stepping through the container\'s creation; look at it from another terminal while it waits.\n');
    this.write(`[${String(step.index).padStart(2)}] ${step.text}\n`);
  }

  decide(step: StepAnnouncement): StepDecision {
    this.write(`     why: ${step.why}\n${this.inspectHint(step)}${PROMPT}`);
    this.keysMode();
    for (;;) {
      const decision = this.tty ? decisionOf(readByte(this.fd)) : decisionOf(this.readLine());
      if (decision) return decision;
    }
  }

  result(step: StepAnnouncement, event: TraceEvent): void {
    this.write(`     = ${resultText(event)}${event.ms !== undefined ? ` (${event.ms.toFixed(1)} ms)` : ''}\n`);
  }

  release(): void {
    if (this.savedMode === null) return;
    this.stty([this.savedMode]);
    this.savedMode = null;
  }

  private inspectHint(step: StepAnnouncement): string {
    const { helper, container } = step.pids;
    if (!container) return helper ? `     helper pid ${helper}: the container's process does not exist yet\n` : '';
    if (this.shownNamespaces) return `     container pid ${container} (helper pid ${helper}): ls -l /proc/${container}/ns\n`;
    this.shownNamespaces = true;
    const paths = NAMESPACES.map((ns) => `/proc/${container}/ns/${ns}`).join(' ');
    return `     container pid ${container} (helper pid ${helper}); its namespaces: ${paths}\n` +
      `     inspect: ls -l /proc/${container}/ns; cat /proc/${container}/mountinfo; cat /proc/${container}/cgroup; nsenter -t ${container} -a sh\n`;
  }

  /** One key at a time without echo; Ctrl-C comes as a key (a blocked read would miss SIGINT): it aborts. */
  private keysMode(): void {
    if (!this.tty || this.savedMode !== null) return;
    this.savedMode = this.stty(['-g']);
    this.stty(['-icanon', '-echo', '-isig', 'min', '1']);
  }

  private stty(args: string[]): string {
    const r = spawnSync('stty', args, { stdio: [this.fd, 'pipe', 'inherit'], encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`stty ${args.join(' ')} failed: cannot read single keys from this terminal`);
    return r.stdout.trim();
  }

  private readLine(): string | null {
    let line = '';
    for (;;) {
      const byte = readByte(this.fd);
      if (byte === null) return line === '' ? null : line.trim();
      if (byte === '\n') return line.trim();
      line += byte;
    }
  }
}
