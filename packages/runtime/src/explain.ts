/**
 * --explain: every step the runtime takes, printed as the system call or command a learner
 * would type to do the same by hand, with the time it took.
 */

export interface TraceEvent {
  step: string;
  syscall?: string;
  command?: string;
  args?: unknown;
  result?: unknown;
  ms?: number;
  /** "next" on a `--step` announcement: the step is about to run (and has no result yet). */
  phase?: 'next';
  /** The pid (in its own pid namespace) of the helper process about to run an announced step. */
  pid?: number;
}

function argText(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  return JSON.stringify(arg);
}

function argList(args: unknown): string[] {
  if (args === undefined || args === null) return [];
  if (Array.isArray(args)) return args.map(argText);
  if (typeof args === 'object') return Object.entries(args as Record<string, unknown>).map(([k, v]) => `${k}=${argText(v)}`);
  return [argText(args)];
}

function resultText(result: unknown): string {
  if (result === undefined || result === null || result === 'ok' || result === 0) return '';
  return typeof result === 'string' ? result : JSON.stringify(result);
}

/** What a step does, as the command or system call a learner would type, without its result. */
export function narrate(event: TraceEvent): string {
  // The command a learner would type says more than the raw syscall, when there is one.
  if (event.syscall && !event.command) return `${event.syscall}(${argList(event.args).join(', ')})`;
  return event.command ?? [event.step, ...argList(event.args)].join(' ');
}

/** One event as one line, e.g. "[  1.2 ms] clone(CLONE_NEWUSER|CLONE_NEWNS) = 4242". */
export function formatTraceEvent(event: TraceEvent): string {
  const time = `[${(event.ms ?? 0).toFixed(1).padStart(6)} ms]`;
  if (event.syscall && !event.command) {
    const result = event.result === undefined ? '' : ` = ${typeof event.result === 'string' ? event.result : JSON.stringify(event.result)}`;
    return `${time} ${narrate(event)}${result}`;
  }
  const result = resultText(event.result);
  return `${time} ${narrate(event)}${result ? `   # ${result}` : ''}`;
}

/** Splits a stream of JSON lines into events; a line that is not JSON is shown as it is. */
export class TraceLineReader {
  private buffered = '';

  constructor(private readonly onEvent: (event: TraceEvent) => void, private readonly onText: (line: string) => void) {}

  push(chunk: string): void {
    this.buffered += chunk;
    let nl;
    while ((nl = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, nl).trim();
      this.buffered = this.buffered.slice(nl + 1);
      if (!line) continue;
      let event: TraceEvent | null = null;
      try {
        event = JSON.parse(line) as TraceEvent;
      } catch {
        // shown below as text
      }
      if (event && typeof event === 'object' && typeof event.step === 'string') this.onEvent(event);
      else this.onText(line);
    }
  }
}
